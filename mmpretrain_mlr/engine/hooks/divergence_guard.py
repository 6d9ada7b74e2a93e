"""Stop training at the first non-finite loss or weight."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model


class DivergenceError(RuntimeError):
    """Training produced a non-finite loss, weight or buffer."""


def _first_non_finite(named_tensors):
    """Name of the first tensor with a NaN or an infinity, or None.

    One device synchronisation for all tensors (more only to find the name
    once something is not finite).
    """
    named = [(n, t) for n, t in named_tensors if t.is_floating_point()]
    if not named:
        return None
    finite = torch.stack([torch.isfinite(t).all().to(named[0][1].device)
                          for _, t in named])
    if bool(finite.all()):
        return None
    return named[int((~finite).nonzero()[0])][0]


@HOOKS.register_module()
class DivergenceGuardHook(Hook):
    """Raise :class:`DivergenceError` as soon as training diverges.

    After every training iteration it checks each logged loss term and the
    trainable parameters (non-finite gradients show up there after the
    optimizer step); at the end of each epoch and before every checkpoint it
    also checks all parameters and floating-point buffers. It runs before
    ``CheckpointHook`` and before validation, so no checkpoint of a
    diverged model is written and such a model never becomes the best one
    (the best checkpoint from before the divergence stays).

    Mixed precision: ``AmpOptimWrapper``'s loss scaler skips the steps whose
    gradients overflow, leaving the weights as they were. Such an iteration
    has a non-finite loss but finite weights; ``max_skipped_iters`` of them
    are allowed in total (each logged as a warning) before training stops.

    Args:
        max_skipped_iters (int): Iterations with a non-finite loss but
            finite weights allowed in the whole run. Defaults to 0.
    """
    priority = 'ABOVE_NORMAL'  # before CheckpointHook and logging

    def __init__(self, max_skipped_iters: int = 0) -> None:
        if not isinstance(max_skipped_iters, int) or max_skipped_iters < 0:
            raise ValueError('DivergenceGuardHook: `max_skipped_iters` must '
                             'be an int >= 0, got '
                             f'{max_skipped_iters!r}')
        self.max_skipped_iters = max_skipped_iters
        self.skipped = 0
        # the trainable parameters, listed once per epoch rather than by a
        # walk over the whole model (frozen towers included) per iteration
        self._trainable = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return get_ori_model(model)

    @staticmethod
    def _where(runner) -> str:
        loop = runner.train_loop
        text = f'iteration {runner.iter + 1}'
        if hasattr(loop, 'max_epochs'):
            text += f' (epoch {runner.epoch + 1})'
        return text

    def _check_state(self, runner, trainable_only: bool) -> Optional[str]:
        model = self._model(runner)
        if trainable_only and self._trainable is not None:
            params = self._trainable
        else:
            params = [(n, p) for n, p in model.named_parameters()
                      if p.requires_grad or not trainable_only]
        bad = _first_non_finite((n, p.detach()) for n, p in params)
        if bad is None and not trainable_only:
            # persistent buffers only: a causal attention mask (-inf by
            # design) is not model state
            bad = _first_non_finite(model.state_dict().items())
        return bad

    def _fail(self, runner, what: str) -> None:
        last = runner.message_hub.get_info('last_ckpt')
        raise DivergenceError(
            f'Training diverged at {self._where(runner)}: {what}. Stopped '
            'before any checkpoint of this model was written'
            + (f'; the last checkpoint is {last}' if last else '')
            + '. Lower optim_wrapper.optimizer.lr, clip gradients '
            '(optim_wrapper.clip_grad=dict(max_norm=...)) or, with mixed '
            'precision, allow skipped steps with DivergenceGuardHook('
            'max_skipped_iters=N).')

    def before_train_epoch(self, runner) -> None:
        # a parameter unfrozen within an epoch is checked from the next
        # one on (and by the end-of-epoch check of every parameter)
        self._trainable = [(n, p) for n, p in
                           self._model(runner).named_parameters()
                           if p.requires_grad]

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        bad_terms = []
        for name, value in (outputs or {}).items():
            if 'loss' not in name:
                continue
            value = float(torch.as_tensor(value).detach().float().mean())
            if not math.isfinite(value):
                bad_terms.append(f'{name}={value}')
        bad_param = self._check_state(runner, trainable_only=True)
        if bad_param is not None:
            detail = f'parameter {bad_param!r} is not finite'
            if bad_terms:
                detail = (f'loss term {", ".join(bad_terms)} and '
                          f'{detail}')
            self._fail(runner, detail)
        if bad_terms:
            self.skipped += 1
            if self.skipped > self.max_skipped_iters:
                self._fail(runner,
                           f'loss term {", ".join(bad_terms)} '
                           f'({self.skipped} non-finite iteration(s), '
                           f'max_skipped_iters={self.max_skipped_iters})')
            runner.logger.warning(
                f'DivergenceGuardHook: non-finite loss at '
                f'{self._where(runner)} ({", ".join(bad_terms)}) with finite '
                f'weights (step skipped); {self.skipped} of '
                f'max_skipped_iters={self.max_skipped_iters} used.')

    def after_train_epoch(self, runner) -> None:
        bad = self._check_state(runner, trainable_only=False)
        if bad is not None:
            self._fail(runner, f'{bad!r} is not finite')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = _first_non_finite(
            (k, v) for k, v in checkpoint.get('state_dict', {}).items()
            if isinstance(v, torch.Tensor))
        if bad is not None:
            self._fail(runner, f'{bad!r} in the checkpoint is not finite')
