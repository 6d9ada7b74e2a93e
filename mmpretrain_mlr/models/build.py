import inspect

from mmpretrain.registry import MODELS


def build_with_context(cfg: dict, **context):
    """Build ``cfg`` from ``MODELS``, passing each ``context`` item only to a
    component whose constructor takes an argument of that name (e.g. the
    shared CLIP model goes to CLIP encoders but not to an mmpretrain
    backbone). Values set in ``cfg`` win over the context."""
    component = MODELS.get(cfg['type']) if isinstance(
        cfg['type'], str) else cfg['type']
    if component is None:
        raise KeyError(f'{cfg["type"]!r} is not registered in mmpretrain '
                       'MODELS (is `mmpretrain_mlr` imported?)')
    params = inspect.signature(component).parameters
    accepted = {k: v for k, v in context.items() if k in params}
    return MODELS.build(cfg, default_args=accepted)
