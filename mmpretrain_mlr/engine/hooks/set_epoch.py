"""Tell the epoch to the modules (heads, losses) whose rule depends on it."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model


@HOOKS.register_module()
class SetEpochHook(Hook):
    """Before every training epoch, call ``set_epoch(runner.epoch)`` on each
    submodule of the model that has a ``set_epoch`` method: the
    epoch-dependent losses (LL-R/Ct/Cp, SPLC, EM+APL) and heads with a
    warm-up (TRM-ML's prototype pseudo-labels). ``runner.epoch`` is 0 in the
    first epoch. On resume the runner restores its epoch first, so the
    modules get the epoch they would have had without the interruption.

    Add it to a config with::

        custom_hooks = [dict(type='SetEpochHook')]
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self._warned = False

    def before_train_epoch(self, runner) -> None:
        model = get_ori_model(runner.model)
        found = [
            name for name, module in model.named_modules()
            if callable(getattr(module, 'set_epoch', None))
        ]
        if not found and not self._warned:
            self._warned = True
            runner.logger.warning(
                f'{type(self).__name__}: no module of the model has '
                'set_epoch(); the hook does nothing (said once)')
        for name in found:
            model.get_submodule(name).set_epoch(runner.epoch)


@HOOKS.register_module()
class LossEpochHook(SetEpochHook):
    """The former name of :class:`SetEpochHook`, kept for existing
    configs."""
