"""Log what modules with per-epoch state report at the end of an epoch."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model


@HOOKS.register_module()
class EpochSummaryHook(Hook):
    """After every training epoch, call ``summarise_epoch()`` on each
    submodule of the model that has it (TRM-ML's head: its prototypes are
    checked to agree on every process, then it returns the epoch's
    pseudo-label numbers and precision). Every process calls it (the
    checks and sums are collective); the figures are written to the log
    and become columns ``<prefix>/<name>`` of the epoch's validation record
    (``scalars.json`` and any visualizer backend, step = the epoch), as
    message-hub scalars that ``LoggerHook`` writes with the metrics, so
    that every record stays a train or a validation row (mmpretrain's
    ``analyze_logs.py`` reads them). Without a validation loop the figures
    are only logged.

    Runs before ``CheckpointHook``, so a failed check leaves no checkpoint
    of the epoch. The package's ``configs/_base_/default_runtime.py``
    registers it among ``default_hooks`` (key ``epoch_summary``); for a
    model without such modules it does nothing.

    Args:
        prefix (str): prefix of the logged names. Defaults to 'train'.
    """

    priority = 'NORMAL'

    def __init__(self, prefix: str = 'train') -> None:
        self.prefix = prefix

    def after_train_epoch(self, runner) -> None:
        model = get_ori_model(runner.model)
        scalars = {}
        for name, module in model.named_modules():
            if callable(getattr(module, 'summarise_epoch', None)):
                for key, value in module.summarise_epoch().items():
                    scalars[f'{self.prefix}/{key}'] = float(value)
        if not scalars:
            return
        epoch = runner.epoch + 1
        runner.logger.info(f'Epoch {epoch} summary: ' + '  '.join(
            f'{k}: {v:.4g}' for k, v in scalars.items()))
        for key, value in scalars.items():
            runner.message_hub.update_scalar(f'val/{key}', value)
