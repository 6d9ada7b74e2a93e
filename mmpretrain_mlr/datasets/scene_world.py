"""The world of the shapes scenes: vocabulary, class frequencies, contexts.

A scene is drawn in three steps, like a photograph of a real place: a latent
*context* (a kind of scene) is drawn first, the context favours a subset of
the classes, and each object is then drawn from the context's classes or,
for a share of the objects, from the global class frequencies (objects that
turn up anywhere). Class frequencies follow a Zipf law, so a few classes
are common and most are rare, and classes of one context co-occur.

The world (which class is common, which classes share a context) is fixed
by ``world_seed`` and shared by every split and dataset seed; only the
scenes differ between splits.
"""
import math
from typing import Dict, List, Sequence

import numpy as np

# Colours in BGR (the channel order of ``LoadImageFromFile``).
SCENE_COLOURS_BGR = {
    'red': (35, 35, 220),
    'orange': (20, 140, 250),
    'yellow': (30, 225, 235),
    'green': (50, 180, 40),
    'cyan': (230, 220, 40),
    'blue': (210, 70, 30),
    'purple': (160, 40, 130),
    'pink': (190, 150, 250),
}
SCENE_SHAPES = ('circle', 'square', 'triangle', 'star', 'cross', 'ring')
# Every colour-shape pair is a class: 8 x 6 = 48, colour-major.
SCENE_CLASSES = tuple(f'{colour} {shape}' for colour in SCENE_COLOURS_BGR
                      for shape in SCENE_SHAPES)
# Distractors are objects of no class: a class shape in a colour outside the
# vocabulary, or a bar (a shape outside it) in a class colour.
DISTRACTOR_COLOURS_BGR = {
    'white': (235, 235, 235),
    'black': (25, 25, 25),
    'brown': (40, 75, 125),
}
DISTRACTOR_SHAPE = 'bar'


class SceneWorld:
    """Class frequencies and latent contexts of the shapes scenes.

    Args:
        world_seed (int): Seed of the world. Defaults to 0.
        zipf_exponent (float): Class ``k`` of the frequency ranking has
            weight ``(k + 1) ** -zipf_exponent``; 0.7 over 48 classes gives
            a most frequent class about 15x the least frequent one before
            contexts mix them. Defaults to 0.7.
        num_contexts (int): Number of latent contexts. Defaults to 8.
        classes_per_context (int): Classes a context favours. Defaults to 7.
        context_free_share (float): Share of the objects drawn from the
            global frequencies, whatever the context. Defaults to 0.25.
        mean_objects (float): Mean number of class objects per scene before
            occlusion removes some (1 + Poisson(mean - 1), at most
            ``max_objects``). Defaults to 3.8.
        mean_distractors (float): Mean number of distractors (Poisson).
            Defaults to 1.0.
        max_objects (int): Most class objects per scene. Defaults to 10.
        radius_range (tuple): Circumradius range as a share of the image
            side, drawn log-uniformly. Defaults to (0.035, 0.25).
        min_visible (float): An object hidden behind later ones to less than
            this share of its own area is left out of the scene (never drawn
            nor labelled). Defaults to 0.3.
    """

    def __init__(self,
                 world_seed: int = 0,
                 zipf_exponent: float = 0.7,
                 num_contexts: int = 8,
                 classes_per_context: int = 7,
                 context_free_share: float = 0.25,
                 mean_objects: float = 3.8,
                 mean_distractors: float = 1.0,
                 max_objects: int = 10,
                 radius_range: Sequence[float] = (0.035, 0.25),
                 min_visible: float = 0.3):
        num_classes = len(SCENE_CLASSES)
        if not 1 <= classes_per_context <= num_classes:
            raise ValueError(f'SceneWorld: `classes_per_context` must be in '
                             f'[1, {num_classes}], got {classes_per_context}')
        if not 0 <= context_free_share <= 1:
            raise ValueError('SceneWorld: `context_free_share` must be in '
                             f'[0, 1], got {context_free_share}')
        if not mean_objects >= 1 or not max_objects >= 1:
            raise ValueError('SceneWorld: `mean_objects` and `max_objects` '
                             f'must be >= 1, got {mean_objects}, '
                             f'{max_objects}')
        rng = np.random.RandomState(world_seed)
        rank = rng.permutation(num_classes)  # rank[c]: frequency rank of c
        weights = (rank + 1.0)**-zipf_exponent
        self.class_weights = weights / weights.sum()  # [C]
        self.context_prior = rng.dirichlet(np.full(num_contexts, 4.0))  # [K]
        # [K, C] each context's class distribution: its members, weighted
        # by their global frequency
        self.context_classes = np.zeros((num_contexts, num_classes))
        for k in range(num_contexts):
            spread = np.sqrt(self.class_weights)
            members = rng.choice(
                num_classes, classes_per_context, replace=False,
                p=spread / spread.sum())
            self.context_classes[k, members] = self.class_weights[members]
            self.context_classes[k] /= self.context_classes[k].sum()
        self.context_free_share = context_free_share
        self.mean_objects = mean_objects
        self.mean_distractors = mean_distractors
        self.max_objects = max_objects
        self.radius_range = tuple(radius_range)
        self.min_visible = min_visible

    def sample_scene(self, rng: np.random.RandomState,
                     image_size: int) -> dict:
        """Draw the specs of one scene (before occlusion is resolved).

        Args:
            rng (np.random.RandomState): The split's generator.
            image_size (int): Height and width S.

        Returns:
            dict: ``context`` (int), ``objects`` (list of dicts in drawing
            order, the last on top: ``class_idx`` (-1 for a distractor),
            ``colour``, ``shape``, ``center``, ``radius``, ``angle``,
            ``bgr``) and ``background`` (the texture's parameters).
        """
        context = int(rng.choice(len(self.context_prior),
                                 p=self.context_prior))
        num_objects = min(1 + rng.poisson(self.mean_objects - 1),
                          self.max_objects)
        num_distractors = rng.poisson(self.mean_distractors)
        kinds = ['class'] * num_objects + ['distractor'] * num_distractors
        objects = []
        for k in rng.permutation(len(kinds)):  # distractors among objects
            if kinds[k] == 'class':
                free = rng.uniform() < self.context_free_share
                probs = (self.class_weights if free else
                         self.context_classes[context])
                class_idx = int(rng.choice(len(SCENE_CLASSES), p=probs))
                colour, shape = SCENE_CLASSES[class_idx].split(' ')
                base = SCENE_COLOURS_BGR[colour]
            elif rng.uniform() < 0.5:
                class_idx = -1
                colour = str(rng.choice(list(DISTRACTOR_COLOURS_BGR)))
                shape = str(rng.choice(SCENE_SHAPES))
                base = DISTRACTOR_COLOURS_BGR[colour]
            else:
                class_idx, shape = -1, DISTRACTOR_SHAPE
                colour = str(rng.choice(list(SCENE_COLOURS_BGR)))
                base = SCENE_COLOURS_BGR[colour]
            objects.append(
                self._place(rng, image_size, class_idx, colour, shape, base))
        return dict(context=context, objects=objects,
                    background=self._background(rng))

    def _place(self, rng, image_size, class_idx, colour, shape, base) -> dict:
        low, high = self.radius_range
        radius = float(math.exp(rng.uniform(math.log(low), math.log(high)))
                       * image_size)
        # centres anywhere, objects may run off the border a little
        cx, cy = (float(v) for v in rng.uniform(0.5 * radius,
                                                image_size - 0.5 * radius, 2))
        shade = rng.uniform(0.8, 1.0)
        bgr = (np.asarray(base) + rng.randint(-15, 16, 3)) * shade
        return dict(
            class_idx=class_idx,
            colour=colour,
            shape=shape,
            center=(cx, cy),
            radius=radius,
            angle=float(rng.uniform(0, 2 * math.pi)),
            bgr=tuple(int(v) for v in np.clip(bgr, 0, 255)))

    @staticmethod
    def _background(rng: np.random.RandomState) -> Dict[str, object]:
        """Parameters of a textured, low-saturation background."""
        level = rng.uniform(80, 170) + rng.uniform(-15, 15, 3)
        return dict(
            level=tuple(float(v) for v in level),
            blobs_seed=int(rng.randint(2**31 - 1)),
            blobs_std=float(rng.uniform(10, 30)),
            stripes=(float(rng.uniform(0, 12)),  # amplitude
                     float(rng.uniform(0.08, 0.5)),  # cycles per pixel
                     float(rng.uniform(0, math.pi))),  # orientation
            noise_seed=int(rng.randint(2**31 - 1)),
            noise_std=6.0)


def object_names(objects: List[dict]) -> List[str]:
    """'colour shape' names of objects (distractors included)."""
    return [f"{obj['colour']} {obj['shape']}" for obj in objects]
