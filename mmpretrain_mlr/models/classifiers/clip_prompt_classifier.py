"""The classifier wiring CLIP encoders, a prompt learner and a head."""
import copy
import itertools
import json
from types import SimpleNamespace
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...feature_cache.reader import CachedFeatures
from ...utils.frozen_weights import frozen_state_keys
from ...utils.vocabulary import resolve_class_names
from ..build import build_with_context
from ..clip import ClassifierFeatures, build_open_clip
from ..clip.factory import has_pretrained_weights
from ..protocols import (NeedsTeacher, StartsFromClassEmbeddings,
                         VocabularyAware)
from ..prompts import ClassEmbedder, VocabularyError


@MODELS.register_module()
class CLIPPromptClassifier(BaseClassifier):
    """Multi-label classifier scoring images against class prompts.

    One open_clip model is built (from ``clip``) and shared: its text tower
    feeds ``text_encoder`` and, when ``image_encoder`` is a CLIP encoder, its
    image tower feeds that. Any registered image encoder returning
    :class:`ImageFeatures` may replace it (e.g. ``ProjectedBackbone`` around
    an mmpretrain ``ResNet``).

    Data flow: images -> image encoder -> (global [B, D], dense [B, N, D]);
    class names -> class embedder (:class:`ClassEmbedder`: text encoder +
    prompt learner, one cache keyed by names) -> [S, C, D]; both (as
    :class:`ClassifierFeatures`) -> head -> named losses on observed labels
    / scores.

    The head is built knowing the vocabulary size and the joint embedding
    width: ``num_classes`` (C) and ``embed_dim`` (D, the class embedder's
    output width) are passed to a head whose constructor takes them. A
    head that starts from the class texts (``init_from_class_embeddings``,
    e.g. TRM-ML's queries) gets the training vocabulary's embeddings right
    after it is built. At run time every head receives the class
    embeddings in ``feats.text``.

    Vocabularies: :attr:`open_vocabulary` says whether the model can score
    a vocabulary other than its training one; if not (class-specific
    contexts, a head with per-class parameters), ``test_class_names`` /
    ``test_vocabularies`` that differ are refused when the model is built
    and a call-time vocabulary (``extract_feat``, :meth:`text_features`)
    before anything is scored, with :class:`VocabularyError`.

    With ``teacher_image_encoder``, a copy of the CLIP image tower as
    loaded is kept frozen (never trained, no gradients, eval mode, outside
    the optimizer) and run, without gradients, only in training steps of a
    head that asks for it (``head.needs_teacher = True``): the distillation
    target of methods that fine-tune the image tower.

    Checkpoints leave out the frozen CLIP weights (both towers, the
    teacher), which building the model restores from ``clip.pretrained``
    (:meth:`frozen_pretrained_state`, ``FrozenWeightsHook``); random
    weights (no ``pretrained``) are saved.

    :meth:`get_layer_depth` numbers parameters for mmpretrain's
    ``LearningRateDecayOptimWrapperConstructor``: the image encoder's own
    numbering (see ``BlockwiseEncoder``), everything else (prompts, head)
    in the last layer.

    Args:
        class_names (str | Sequence[str] | dict): training vocabulary
            (prompt text): a list of names, a file with one name per line,
            the type of a registered dataset whose default names to use
            (``'COCOMultiLabel'``), or a dataset config whose vocabulary to
            read (see :func:`resolve_class_names`).
        clip (dict): arguments of :func:`build_open_clip` (``model_name``,
            ``pretrained``, ``arch``, ``quick_gelu``).
        image_encoder (dict): image encoder config.
        text_encoder (dict): text encoder config.
        prompt_learner (dict): prompt learner config.
        head (dict): head config.
        teacher_image_encoder (dict, optional): config of a frozen image
            encoder over a copy of the CLIP image tower, e.g.
            ``dict(type='CLIPImageEncoder')``. Defaults to None.
        test_class_names (str | Sequence[str], optional): vocabulary scored
            by ``predict`` (zero-shot evaluation), in the same forms as
            ``class_names``; defaults to ``class_names``.
        test_vocabularies (dict, optional): more vocabularies that
            ``predict`` scores, ``name -> class names`` (same forms as
            ``class_names``): each data sample gets ``pred_score_<name>``
            next to ``pred_score`` (``test_class_names``). For heads whose
            scores depend on the whole vocabulary (SigRL's graph and
            per-image normalisation), ZSL needs the unseen vocabulary
            scored on its own: ``dict(zsl=<unseen names>)`` with
            ``ZeroShotMetric(zsl_score_key='pred_score_zsl')``. The image
            features are computed once for all vocabularies. Defaults to
            None.
        data_preprocessor (dict, optional): defaults to
            ``CacheAwareDataPreprocessor`` (mmpretrain's
            ``ClsDataPreprocessor``, also passing batches read from a
            feature cache).
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 class_names: Union[str, Sequence[str], dict],
                 clip: dict,
                 image_encoder: dict = dict(type='CLIPImageEncoder'),
                 text_encoder: dict = dict(type='CLIPTextEncoder'),
                 prompt_learner: dict = dict(type='DualCoOpPromptLearner'),
                 head: dict = dict(type='DualCoOpHead'),
                 teacher_image_encoder: Optional[dict] = None,
                 test_class_names: Union[str, Sequence[str], dict,
                                         None] = None,
                 test_vocabularies: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        data_preprocessor = dict(data_preprocessor or {})
        data_preprocessor.setdefault('type',
                                     'mmpretrain.CacheAwareDataPreprocessor')
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        self.class_names = resolve_class_names(class_names, 'class_names')
        self.test_class_names = (
            resolve_class_names(test_class_names, 'test_class_names')
            if test_class_names is not None else self.class_names)
        self.test_vocabularies = {
            name: resolve_class_names(names, f'test_vocabularies.{name}')
            for name, names in (test_vocabularies or {}).items()}

        clip_model, tokenizer = build_open_clip(**clip)
        # where the CLIP weights come from, as plain data for checkpoints
        self.clip_source = json.loads(json.dumps(dict(clip)))
        clip_tensors = list(itertools.chain(clip_model.parameters(),
                                            clip_model.buffers()))
        self.teacher_image_encoder = None
        if teacher_image_encoder is not None:
            # the tower as loaded, before anything else can train it
            loaded = SimpleNamespace(visual=copy.deepcopy(clip_model.visual))
            self.teacher_image_encoder = build_with_context(
                teacher_image_encoder, clip_model=loaded)
            self.teacher_image_encoder.requires_grad_(False)
            clip_tensors += itertools.chain(
                self.teacher_image_encoder.parameters(),
                self.teacher_image_encoder.buffers())
        text_encoder = build_with_context(
            text_encoder, clip_model=clip_model, tokenizer=tokenizer)
        # registered here under their own names (state-dict keys
        # ``text_encoder.*``, ``prompt_learner.*``); the class embedder
        # holds them and is the only module that uses them
        self.text_encoder = text_encoder
        self.image_encoder = build_with_context(image_encoder,
                                                clip_model=clip_model)
        self.prompt_learner = build_with_context(
            prompt_learner,
            ctx_dim=text_encoder.width,
            num_classes=len(self.class_names))
        self.__dict__['class_embedder'] = ClassEmbedder(
            self.text_encoder, self.prompt_learner, self.class_names)
        self.head = build_with_context(
            head,
            num_classes=len(self.class_names),
            embed_dim=self.class_embedder.embed_dim)
        self.check_vocabulary(self.test_class_names, 'test_class_names')
        for name, names in self.test_vocabularies.items():
            self.check_vocabulary(names, f'test_vocabularies.{name}')
        if isinstance(self.head, StartsFromClassEmbeddings):
            with torch.no_grad():
                self.head.init_from_class_embeddings(self.class_embedder())
        clip_ids = {id(t) for t in clip_tensors}
        self._clip_state_keys = frozenset(
            name for name, tensor in itertools.chain(
                self.named_parameters(remove_duplicate=False),
                self.named_buffers(remove_duplicate=False))
            if id(tensor) in clip_ids)

    @property
    def open_vocabulary(self) -> bool:
        """Whether the model can score a vocabulary other than its training
        one (shared contexts or fixed templates, and a head without
        per-class parameters), e.g. at call time in inference."""
        return self.class_embedder.open_vocabulary and \
            self.head_open_vocabulary

    @property
    def head_open_vocabulary(self) -> bool:
        """Whether the head can score other vocabularies (no per-class
        parameters)."""
        return not isinstance(self.head, VocabularyAware) or \
            self.head.open_vocabulary

    def check_vocabulary(self, class_names: Sequence[str],
                         field: str = 'classes') -> None:
        """Raise :class:`VocabularyError`, before anything is scored, if
        ``class_names`` is a vocabulary this model cannot score: saying
        why and what to use instead. The training vocabulary always
        passes."""
        if list(class_names) == list(self.class_names):
            return
        self.class_embedder.check_vocabulary(class_names, field)
        if not self.head_open_vocabulary:
            raise VocabularyError(
                f'{field}: {type(self.head).__name__} has per-class '
                f'parameters learnt for the {len(self.class_names)} '
                'training classes, so it cannot score another vocabulary '
                f'({len(class_names)} classes, first '
                f'{list(class_names)[:3]}); score other vocabularies with '
                'a class-agnostic head (DualCoOpHead, SigRLHead)')

    def frozen_pretrained_state(self) -> Optional[Tuple[dict, List[str]]]:
        """Where the frozen CLIP weights come from, and their state-dict
        keys: the weights that building the model restores from
        ``clip.pretrained``, which checkpoints may leave out.

        Returns:
            tuple | None: ``(source, keys)``, ``source`` the ``clip``
            arguments; None for random weights (no ``pretrained``).
        """
        if not has_pretrained_weights(self.clip_source):
            return None
        keys = [k for k in frozen_state_keys(self)
                if k in self._clip_state_keys]
        return dict(clip=self.clip_source), keys

    def text_features(self, class_names: Sequence[str]) -> torch.Tensor:
        """Normalised class embeddings [S, C, D] of ``class_names``, from
        the class embedder (which caches what does not change: see
        :class:`ClassEmbedder`). A vocabulary the model cannot score is
        refused (:meth:`check_vocabulary`)."""
        self.check_vocabulary(class_names)
        return self.class_embedder(class_names)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode:  # learnt prompts change again
            self.class_embedder.clear_cache(learnt_only=True)
        if self.teacher_image_encoder is not None:
            self.teacher_image_encoder.eval()
        return self

    def extract_feat(self, inputs: Union[torch.Tensor, CachedFeatures],
                     class_names: Optional[Sequence[str]] = None,
                     with_teacher: bool = False) -> ClassifierFeatures:
        """Image features, normalised class embeddings [S, C, D] for
        ``class_names`` (default: the training vocabulary) and, with
        ``with_teacher`` and a teacher, the teacher's image features.

        ``inputs`` are images [B, 3, H, W] or, read from a feature cache,
        the frozen part's output (:class:`CachedFeatures`), from which the
        encoders run only their later part."""
        text_feats = self.text_features(class_names or self.class_names)
        teacher = None
        if with_teacher and self.teacher_image_encoder is not None:
            with torch.no_grad():
                teacher = self._encode(self.teacher_image_encoder, inputs)
        return ClassifierFeatures(self._encode(self.image_encoder, inputs),
                                  text_feats, teacher)

    @staticmethod
    def _encode(encoder, inputs: Union[torch.Tensor, CachedFeatures]):
        if isinstance(inputs, CachedFeatures):
            return encoder.forward_from(inputs.tensor, inputs.depth)
        return encoder(inputs)

    def get_layer_depth(self, param_name: str,
                        prefix: str = '') -> Tuple[int, int]:
        """``(layer_id, num_layers)`` of a parameter, for layer-wise
        learning-rate decay."""
        if not callable(getattr(self.image_encoder, 'get_layer_depth',
                                None)):
            raise NotImplementedError(
                f'{type(self.image_encoder).__name__} has no '
                'get_layer_depth(), which layer-wise learning-rate decay '
                'needs')
        return self.image_encoder.get_layer_depth(
            param_name[len(prefix):], prefix='image_encoder.')

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``mode``: 'tensor' (logits [B, C]), 'loss' (dict of losses) or
        'predict' (data samples with ``pred_score``)."""
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; expected tensor, loss or '
                           'predict')

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        feats = self.extract_feat(
            inputs, with_teacher=isinstance(self.head, NeedsTeacher)
            and self.head.needs_teacher)
        return self.head.loss(feats, data_samples)

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        feats = self.extract_feat(inputs, self.test_class_names)
        data_samples = self.head.predict(feats, data_samples)
        for name, class_names in self.test_vocabularies.items():
            scored = self.head.predict(
                feats._replace(text=self.text_features(class_names)))
            for data_sample, other in zip(data_samples, scored):
                data_sample.set_field(other.pred_score, f'pred_score_{name}')
        return data_samples
