"""One call for multi-label inference, as ``mmpretrain.inference_model``
is for the models mmpretrain ships."""
from typing import Optional, Sequence, Union

import numpy as np

from .multi_label_inferencer import MultiLabelInferencer


def inference_model(model, images, pretrained: Union[str, bool, None] = None,
                    device: Optional[str] = None,
                    classes: Union[str, Sequence[str], None] = None,
                    thr: Optional[float] = None, topk: Optional[int] = None,
                    thresholds='auto', batch_size: int = 1, **kwargs):
    """Labels and scores of one image or several, from a multi-label model.

    ``mmpretrain.inference_model`` has no multi-label route; this is it,
    on :class:`MultiLabelInferencer`.

    Args:
        model (str | Config | MultiLabelInferencer): A model-index name
            (``'trm-ml_shapes-clip_shapes-partial'``), a config file or
            config, or an inferencer built before (reused, no loading).
        images (str | np.ndarray | Sequence): An image file or a [H, W, 3]
            BGR array, or a list of them.
        pretrained (str | bool, optional): Checkpoint (see
            :class:`MultiLabelInferencer`). Defaults to None.
        device (str, optional): e.g. ``'cuda:0'``. Defaults to None.
        classes (str | Sequence[str], optional): Vocabulary to score
            (prompt-based models). Defaults to the model's.
        thr (float, optional): One threshold for every class.
        topk (int, optional): The k best classes are the labels.
        thresholds: Per-class thresholds (see
            :class:`MultiLabelInferencer`); ``'auto'`` uses the
            checkpoint's thresholds file if there is one.
        batch_size (int): Images per forward pass. Defaults to 1.
        **kwargs: More arguments of :class:`MultiLabelInferencer`
            (``cfg_options``).

    Returns:
        dict | list[dict]: Per image ``labels`` (best first), ``scores``
        (class name -> score) and ``pred_scores`` ([C] array); a dict for
        one image, a list for a list.

    Examples:
        >>> from mmpretrain_mlr import inference_model
        >>> inference_model('trm-ml_shapes-clip_shapes-partial',
        ...                 'scene.png', pretrained='epoch_12.pth')['labels']
    """
    if isinstance(model, MultiLabelInferencer):
        inferencer = model
    else:
        inferencer = MultiLabelInferencer(model, pretrained, device=device,
                                          classes=None, thresholds=thresholds,
                                          **kwargs)
    single = isinstance(images, (str, np.ndarray))
    results = inferencer([images] if single else list(images),
                         batch_size=batch_size, classes=classes, thr=thr,
                         topk=topk)
    return results[0] if single else results
