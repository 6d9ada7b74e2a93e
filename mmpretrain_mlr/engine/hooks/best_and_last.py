"""Report the last-epoch and the best-epoch value of a validation metric."""
import os.path as osp
from typing import Dict, Optional, Union

from mmengine.fileio import dump
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.registry import HOOKS

from ...utils.checks import check_choice

RULES = ('greater', 'less')


@HOOKS.register_module()
class BestAndLastHook(Hook):
    """Track a validation metric; at the end report its last and best value.

    After every validation during training it logs the current value and
    the best so far (value and epoch); the best so far is also a column of
    every validation row of the scalar logs (``best_and_last/best``,
    ``best_and_last/best_epoch``: ``scalars.json``, TensorBoard, ...). After
    training it logs one summary line with the last figure, the best figure
    with its epoch, and the split that selected the best epoch, and writes
    the same summary to ``best_and_last.json`` in the run's log folder and
    to ``runner.message_hub`` info ``'best_and_last'``, e.g.::

        {"best_and_last/metric": "multi-label/mAP",
         "best_and_last/last": 71.2, "best_and_last/last_epoch": 20,
         "best_and_last/best": 72.0, "best_and_last/best_epoch": 14,
         "best_and_last/selection_split": "test"}

    The scalar logs hold only rows of the shape mmengine's ``LoggerHook``
    writes (a training row has ``lr``; a validation row has every metric),
    which mmpretrain's ``tools/analysis_tools/analyze_logs.py`` expects.

    Under iteration-based training, "epoch" reads "iteration". The state is
    saved in ``checkpoint['meta']`` and restored on resume. mmengine saves an
    epoch's checkpoint before that epoch's validation, so a resumed run knows
    the results up to the epoch before the one it resumes from (as
    ``CheckpointHook``'s best score does).

    Args:
        metric (str): Key of the metric, as the evaluator returns it (e.g.
            ``'multi-label/mAP'``), or its last part after ``/`` if that is
            unique (e.g. ``'mAP'``).
        rule (str): 'greater' or 'less', which values are better.
            Defaults to 'greater'.
        selection_split (str): The split the validation loop evaluates, which
            therefore selects the best epoch, stated for the report (e.g.
            ``'held-out val (20 % of train)'`` or ``'test'``).
            Defaults to 'val'.
    """
    priority = 'NORMAL'  # before CheckpointHook saves the best checkpoint

    def __init__(self,
                 metric: str,
                 rule: str = 'greater',
                 selection_split: str = 'val') -> None:
        check_choice('BestAndLastHook', 'rule', rule, RULES)
        self.metric = metric
        self.rule = rule
        self.selection_split = selection_split
        self.state: Dict[str, Union[float, int, str, None]] = dict(
            best=None, best_epoch=None, last=None, last_epoch=None,
            unit='epoch', metric=metric)
        self._training = False

    @property
    def _meta_key(self) -> str:
        return f'best_and_last/{self.metric}'

    def _find_metric(self, metrics: Dict[str, float]) -> str:
        """Return the key of ``self.metric`` in ``metrics``."""
        if self.metric in metrics:
            return self.metric
        matches = [k for k in metrics if k.split('/')[-1] == self.metric]
        if len(matches) != 1:
            raise KeyError(f'BestAndLastHook: `metric`={self.metric!r} '
                           f'{"is ambiguous" if matches else "is missing"} '
                           f'in the validation metrics {sorted(metrics)}; '
                           'expected one of these keys')
        return matches[0]

    def before_train(self, runner) -> None:
        self._training = True

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        """Record the new value and log it with the best so far."""
        if not self._training:
            return
        key = self._find_metric(metrics or {})
        value = float(metrics[key])
        unit = 'epoch' if isinstance(runner.train_loop,
                                     EpochBasedTrainLoop) else 'iter'
        step = runner.epoch if unit == 'epoch' else runner.iter
        best = self.state['best']
        self.state.update(unit=unit, metric=key)
        if best is None or (value > best if self.rule == 'greater' else
                            value < best):
            self.state.update(best=value, best_epoch=step)
        self.state.update(last=value, last_epoch=step)
        # columns of this validation row (LoggerHook runs after this hook)
        runner.message_hub.update_scalar('val/best_and_last/best',
                                         self.state['best'])
        runner.message_hub.update_scalar('val/best_and_last/best_epoch',
                                         self.state['best_epoch'])
        runner.logger.info(
            f'{key}: {value:.4f} at {unit} {step}; best '
            f"{self.state['best']:.4f} at {unit} {self.state['best_epoch']} "
            f'(selected on {self.selection_split})')

    def after_train(self, runner) -> None:
        """Log and record the last / best summary."""
        self._training = False
        if self.state['last'] is None:
            runner.logger.warning(f'BestAndLastHook: no validation result of '
                                  f'{self.metric!r} to report')
            return
        unit, key = self.state['unit'], self.state['metric']
        summary = {
            'best_and_last/metric': key,
            'best_and_last/last': self.state['last'],
            'best_and_last/last_epoch': self.state['last_epoch'],
            'best_and_last/best': self.state['best'],
            'best_and_last/best_epoch': self.state['best_epoch'],
            'best_and_last/selection_split': self.selection_split,
        }
        runner.logger.info(
            f"Summary of {key}: last {self.state['last']:.4f} "
            f"({unit} {self.state['last_epoch']}), best "
            f"{self.state['best']:.4f} ({unit} {self.state['best_epoch']}), "
            f'best epoch selected on {self.selection_split}')
        runner.message_hub.update_info('best_and_last', summary)
        if runner.rank == 0:
            dump(summary, osp.join(runner.log_dir, 'best_and_last.json'),
                 indent=1)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[self._meta_key] = dict(self.state)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('meta', {}).get(self._meta_key)
        if saved is not None:
            self.state.update(saved)
