"""One picture per image: its labels and scores, and a heatmap overlay per
predicted class, side by side."""
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmengine.visualization import Visualizer

MIN_SIDE = 256  # small images are enlarged so the text stays readable


def _visualizer() -> Visualizer:
    name = 'mmpretrain_mlr_inference'
    if Visualizer.check_instance_created(name):
        return Visualizer.get_instance(name)
    return Visualizer.get_instance(name, vis_backends=None)


def _caption(visualizer: Visualizer, image: np.ndarray,
             lines: Sequence[str]) -> np.ndarray:
    visualizer.set_image(image)
    if lines:
        size = max(8, image.shape[0] // 24)
        visualizer.draw_texts(
            '\n'.join(lines), np.array([4, 4]), font_sizes=size,
            colors='white', vertical_alignments='top',
            bboxes=dict(facecolor='black', alpha=0.6, pad=2,
                        edgecolor='none'))
    return visualizer.get_image()


def draw_labels_and_heatmaps(image: np.ndarray, names: List[str],
                             scores: List[float],
                             heatmaps: Optional[np.ndarray] = None
                             ) -> np.ndarray:
    """Draw an image's label set and, per label, its heatmap overlay.

    Args:
        image (np.ndarray): [H, W, 3] uint8 RGB.
        names (list[str]): the predicted class names.
        scores (list[float]): their scores.
        heatmaps (np.ndarray, optional): [K, h, w] maps of the K = len(names)
            predicted classes.

    Returns:
        np.ndarray: RGB picture [H', W' * (1 + K), 3] (H' >= 256): the
        image with the labels, then one overlay per class with its name.
    """
    scale = max(1., MIN_SIDE / min(image.shape[:2]))
    if scale > 1:
        image = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_NEAREST)
    image = np.ascontiguousarray(image)
    visualizer = _visualizer()
    lines = [f'{n}: {s:.2f}' for n, s in zip(names, scores)] or ['(none)']
    panels = [_caption(visualizer, image, lines)]
    if heatmaps is not None:
        import torch
        height, width = image.shape[:2]
        for name, score, heatmap in zip(names, scores, heatmaps):
            heatmap = cv2.resize(heatmap.astype(np.float32), (width, height),
                                 interpolation=cv2.INTER_LINEAR)
            overlay = Visualizer.draw_featmap(
                torch.from_numpy(heatmap)[None], image, alpha=0.5)
            panels.append(_caption(visualizer, overlay,
                                   [f'{name}: {score:.2f}']))
    return np.concatenate(panels, axis=1)
