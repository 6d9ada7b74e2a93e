"""Compare a checkpoint's state dict with the model it is loaded into."""
import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

import torch


class StateDictMismatchError(RuntimeError):
    """A checkpoint's weights do not fit the model."""


class StateDictMismatch(NamedTuple):
    """Differences between a model's and a checkpoint's state dicts.

    Attributes:
        missing (list[str]): Keys of the model absent from the checkpoint
            (after removing the allowed ones).
        unexpected (list[str]): Keys of the checkpoint the model lacks.
        shapes (list[tuple[str, tuple, tuple]]): ``(key, model shape,
            checkpoint shape)`` of keys in both with different shapes.
    """
    missing: List[str]
    unexpected: List[str]
    shapes: List[tuple]

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shapes)

    def describe(self, limit: int = 5) -> str:
        """A message listing the first ``limit`` keys of each kind."""

        def first(keys):
            more = f' ... (+{len(keys) - limit} more)' \
                if len(keys) > limit else ''
            return ', '.join(map(str, keys[:limit])) + more

        parts = []
        if self.shapes:
            parts.append(f'{len(self.shapes)} key(s) with another shape: ' +
                         first([f'{k} (model {tuple(m)}, checkpoint '
                                f'{tuple(c)})' for k, m, c in self.shapes]))
        if self.missing:
            parts.append(f'{len(self.missing)} key(s) of the model missing '
                         f'from the checkpoint: {first(self.missing)}')
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} key(s) of the checkpoint '
                         f'not in the model: {first(self.unexpected)}')
        return '; '.join(parts)


def strip_prefixes(state_dict: Dict[str, object],
                   revise_keys: Sequence[tuple] = ((r'^module\.', ''), )
                   ) -> Dict[str, object]:
    """Apply mmengine's ``revise_keys`` (default: drop a DDP ``module.``)."""
    for pattern, repl in revise_keys:
        state_dict = {re.sub(pattern, repl, k): v
                      for k, v in state_dict.items()}
    return state_dict


def compare_state_dicts(model: torch.nn.Module,
                        state_dict: Dict[str, object],
                        allow_missing: Iterable[str] = (),
                        allow_missing_frozen: bool = False
                        ) -> StateDictMismatch:
    """Find the keys and shapes in which ``state_dict`` does not fit ``model``.

    Keys present in both are compared by shape; keys of only one side are
    reported as missing or unexpected. Checkpoints that deliberately leave
    out some weights (e.g. frozen pretrained towers, rebuilt from their own
    weights when the model is built) are accepted by telling which model
    keys may be missing.

    Args:
        model (torch.nn.Module): The model (unwrapped).
        state_dict (dict): The checkpoint's state dict (keys already
            revised, see :func:`strip_prefixes`).
        allow_missing (Iterable[str]): Regular expressions; model keys
            matching one (``re.search``) may be absent. Defaults to ().
        allow_missing_frozen (bool): Parameters with
            ``requires_grad=False`` may be absent. Defaults to False.

    Returns:
        StateDictMismatch: Empty (falsy) if the checkpoint fits.
    """
    expected = model.state_dict()
    patterns = [re.compile(p) for p in allow_missing]
    frozen = {name for name, p in model.named_parameters()
              if not p.requires_grad} if allow_missing_frozen else set()

    def may_miss(key):
        return key in frozen or any(p.search(key) for p in patterns)

    missing = [k for k in expected if k not in state_dict and not may_miss(k)]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = []
    for key, value in state_dict.items():
        if key in expected and hasattr(value, 'shape') and \
                tuple(value.shape) != tuple(expected[key].shape):
            shapes.append((key, tuple(expected[key].shape),
                           tuple(value.shape)))
    return StateDictMismatch(missing, unexpected, shapes)


OPT_OUT = ('To load the matching part anyway, opt out with --no-strict-load '
           '(tools/train.py, tools/test.py) or '
           "dict(type='StrictLoadHook', strict=False) in custom_hooks.")


def mismatch_message(model: torch.nn.Module, mismatch: StateDictMismatch,
                     filename: Optional[str] = None) -> str:
    """The first sentence of a mismatch error: file, model, differences."""
    source = f'Checkpoint {filename!r}' if filename else 'The checkpoint'
    return (f'{source} does not fit the model ({type(model).__name__}): '
            f'{mismatch.describe()}')


def check_state_dict(model: torch.nn.Module,
                     state_dict: Dict[str, object],
                     filename: Optional[str] = None,
                     **kwargs) -> None:
    """Raise :class:`StateDictMismatchError` if ``state_dict`` does not fit.

    Args:
        model (torch.nn.Module): The model (unwrapped).
        state_dict (dict): The checkpoint's state dict, keys revised.
        filename (str, optional): The checkpoint, for the message.
        **kwargs: ``allow_missing`` / ``allow_missing_frozen`` of
            :func:`compare_state_dicts`.
    """
    mismatch = compare_state_dicts(model, state_dict, **kwargs)
    if mismatch:
        raise StateDictMismatchError(
            f'{mismatch_message(model, mismatch, filename)}. It was probably '
            f'written for another model or config. {OPT_OUT}')
