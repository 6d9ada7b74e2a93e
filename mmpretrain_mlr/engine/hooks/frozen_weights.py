"""Leave rebuilt frozen weights out of checkpoints; check them on load."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ..runner import checkpoint_to_load
from ...utils.frozen_weights import (leave_out_frozen_weights,
                                     restore_frozen_weights)


@HOOKS.register_module()
class FrozenWeightsHook(Hook):
    """Small checkpoints: frozen weights the model rebuilds are not saved.

    Before a checkpoint is written, the frozen weights the model rebuilds
    when it is built (for ``CLIPPromptClassifier``: the frozen CLIP towers
    and a frozen teacher, from ``clip.pretrained``) are removed from it and
    recorded in ``meta['frozen_weights']`` (source, keys, SHA-256 of their
    content); see :mod:`mmpretrain_mlr.utils.frozen_weights`. Weights that
    train, buffers that change (prototypes, loss state), the optimizer and
    a random initialisation (``pretrained=None``: nothing to rebuild it
    from) are saved as before.

    When the Runner loads a checkpoint (``load_from``, ``--resume``,
    ``tools/test.py``), the weights it left out are taken from the model as
    built, after checking that their hash is the recorded one (else
    :class:`~mmpretrain_mlr.utils.frozen_weights.
    FrozenWeightsMismatchError`), before any other hook (such as
    ``StrictLoadHook``) sees the checkpoint. Checkpoints with everything in
    them load as before.

    ``configs/_base_/default_runtime.py`` puts it in ``default_hooks``
    (``frozen_weights``).

    Args:
        save_frozen (bool): Save every weight (self-contained files, the
            size of the whole model). Defaults to False.
    """
    priority = 'HIGHEST'

    def __init__(self, save_frozen: bool = False) -> None:
        self.save_frozen = save_frozen

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.save_frozen:
            leave_out_frozen_weights(runner.model, checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        count = restore_frozen_weights(runner.model, checkpoint,
                                       checkpoint_to_load(runner))
        if count:
            runner.logger.info(
                f'{count} frozen tensors left out of the checkpoint are '
                'taken from the model as built (content hash checked).')
