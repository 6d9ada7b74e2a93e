"""The reliability hooks every run of this package gets.

``configs/_base_/default_runtime.py`` lists them among its
``default_hooks`` (so even mmengine's own ``Runner.from_cfg`` builds them),
and :class:`~mmpretrain_mlr.engine.PortableRunner` adds the ones a config
lacks (:func:`add_reliability_hooks`), so every entry point that honours
``runner_type`` (this package's tools, mmpretrain's, ``mim``,
``RUNNERS.build``) runs with the same set.
"""
from mmengine.config import ConfigDict

# default_hooks key -> hook type. The hooks act in training only, except
# StrictLoadHook (every checkpoint load), RankProgressHook (every loop) and
# VocabularyCheckHook (before training or testing).
RELIABILITY_HOOKS = dict(
    random_state='RandomStateHook',  # exact resume of every generator
    divergence_guard='DivergenceGuardHook',  # stop at a non-finite loss
    strict_load='StrictLoadHook',  # checkpoint keys / shapes must fit
    observed_label_check='ObservedLabelCheckHook',  # known labels present
    rank_progress='RankProgressHook',  # name a stalled process
    # every vocabulary the model scores vs the labels' classes, by name
    vocabulary_check='VocabularyCheckHook',
)
CHECKPOINT_TYPES = ('CheckpointHook', 'mmengine.CheckpointHook')
SAFE_CHECKPOINT = 'SafeCheckpointHook'


def hook_type(hook) -> str:
    """The type name of a hook config or hook object (without scope)."""
    kind = hook.get('type') if hasattr(hook, 'get') else type(hook)
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return name.split('.')[-1]


def add_reliability_hooks(cfg, strict_load: bool = True) -> list:
    """Make ``cfg`` hold the reliability hooks; in place.

    - ``default_hooks.checkpoint`` of type ``CheckpointHook`` becomes a
      ``SafeCheckpointHook`` (same arguments: atomic writes, the newest
      readable checkpoint on auto resume);
    - each hook of :data:`RELIABILITY_HOOKS` that neither ``default_hooks``
      nor ``custom_hooks`` names is added to ``default_hooks`` under its
      key. A key set to ``None`` (``default_hooks.divergence_guard=None``)
      is a deliberate opt-out: it is removed (mmengine's Runner accepts
      ``None`` only for its own default hooks).

    Args:
        cfg (mmengine.Config): The config; modified in place.
        strict_load (bool): ``False`` sets ``strict=False`` on the
            ``StrictLoadHook`` (``--no-strict-load``). Defaults to True.

    Returns:
        list[str]: The keys added to ``default_hooks``.
    """
    if cfg.get('default_hooks') is None:
        cfg.default_hooks = ConfigDict()
    default_hooks = cfg.default_hooks
    checkpoint = default_hooks.get('checkpoint')
    if checkpoint is not None and hook_type(checkpoint) in (
            name.split('.')[-1] for name in CHECKPOINT_TYPES) and \
            hasattr(checkpoint, 'get'):
        checkpoint['type'] = SAFE_CHECKPOINT
    present = {hook_type(hook) for hook in (cfg.get('custom_hooks') or [])}
    present |= {hook_type(hook) for hook in default_hooks.values()
                if hook is not None}
    added = []
    for key, name in RELIABILITY_HOOKS.items():
        if key in default_hooks and default_hooks[key] is None:
            default_hooks.pop(key)  # opted out
            continue
        if name in present or key in default_hooks:
            continue
        default_hooks[key] = ConfigDict(type=name)
        added.append(key)
    if not strict_load:
        hooks = list(default_hooks.values()) + list(
            cfg.get('custom_hooks') or [])
        for hook in hooks:
            if hook is not None and hasattr(hook, 'get') and \
                    hook_type(hook) == 'StrictLoadHook':
                hook['strict'] = False
    return added
