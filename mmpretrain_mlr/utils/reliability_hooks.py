"""Put the reliability hooks into a training or testing config."""
from mmengine.config import ConfigDict

# Hook types added to custom_hooks unless the config has them.
TRAIN_HOOKS = ('RandomStateHook', 'DivergenceGuardHook', 'StrictLoadHook',
               'ObservedLabelCheckHook', 'RankProgressHook')
TEST_HOOKS = ('StrictLoadHook', 'RankProgressHook')


def _hook_type(hook) -> str:
    kind = hook.get('type') if hasattr(hook, 'get') else type(hook)
    return kind if isinstance(kind, str) else getattr(kind, '__name__', '')


def add_reliability_hooks(cfg, training: bool = True,
                          strict_load: bool = True) -> None:
    """Add the reliability hooks to ``cfg`` in place.

    - ``default_hooks.checkpoint`` of type ``CheckpointHook`` becomes a
      ``SafeCheckpointHook`` (same arguments);
    - ``custom_hooks`` gets ``RandomStateHook``, ``DivergenceGuardHook``,
      ``StrictLoadHook``, ``ObservedLabelCheckHook`` and
      ``RankProgressHook`` (for testing only the last two) unless it
      already names them, in which case the config's settings are kept.

    Args:
        cfg (mmengine.Config): The config; modified in place.
        training (bool): Training (all hooks) or testing. Defaults to True.
        strict_load (bool): ``StrictLoadHook(strict=...)`` for an added
            hook; ``False`` also turns off one the config names.
            Defaults to True.
    """
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint is not None and _hook_type(checkpoint) in (
            'CheckpointHook', 'mmengine.CheckpointHook'):
        checkpoint['type'] = 'SafeCheckpointHook'
    hooks = list(cfg.get('custom_hooks') or [])
    present = {_hook_type(hook) for hook in hooks}
    for name in TRAIN_HOOKS if training else TEST_HOOKS:
        if name not in present:
            hooks.append(ConfigDict(type=name))
    for hook in hooks:
        if _hook_type(hook) == 'StrictLoadHook' and not strict_load:
            hook['strict'] = False
    cfg.custom_hooks = hooks
