"""Refuse checkpoints whose weights do not fit the model."""
from typing import Sequence

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ..runner import checkpoint_to_load
from ...utils.state_dict_check import (OPT_OUT, StateDictMismatchError,
                                       compare_state_dicts, mismatch_message,
                                       strip_prefixes)


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Check every checkpoint the Runner loads against the model.

    mmengine's ``Runner.load_checkpoint`` (used by ``load_from``,
    ``--resume`` and ``tools/test.py``) loads with ``strict=False``: a
    checkpoint of another model only logs "size mismatch" / "missing keys"
    and the run goes on with partly random weights. This hook compares the
    checkpoint's state dict with the model before it is loaded (keys
    present in both by shape, plus the keys of either side the other lacks)
    and raises :class:`~mmpretrain_mlr.utils.StateDictMismatchError`
    listing the first differing keys.

    Checkpoints that leave out weights on purpose (e.g. only the trainable
    weights, the frozen pretrained ones being rebuilt with the model) load
    with ``allow_missing_frozen=True`` or ``allow_missing`` patterns.

    Args:
        strict (bool): Raise on a mismatch; False only logs a warning with
            the same list (the explicit opt-out). Defaults to True.
        allow_missing (Sequence[str]): Regular expressions of model keys
            that may be absent from a checkpoint. Defaults to ().
        allow_missing_frozen (bool): Parameters with ``requires_grad=False``
            may be absent. Defaults to False.
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 strict: bool = True,
                 allow_missing: Sequence[str] = (),
                 allow_missing_frozen: bool = False) -> None:
        self.strict = strict
        self.allow_missing = list(allow_missing)
        self.allow_missing_frozen = allow_missing_frozen

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = get_ori_model(runner.model)
        state_dict = checkpoint.get('state_dict', checkpoint)
        mismatch = compare_state_dicts(
            model, strip_prefixes(state_dict),
            allow_missing=self.allow_missing,
            allow_missing_frozen=self.allow_missing_frozen)
        if not mismatch:
            return
        head = mismatch_message(model, mismatch,
                                checkpoint_to_load(runner))
        if not self.strict:
            runner.logger.warning(f'{head} (loaded anyway: strict=False)')
            return
        raise StateDictMismatchError(
            f'{head}. It was probably written for another model or config. '
            f'{OPT_OUT}')
