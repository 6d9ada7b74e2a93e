"""Check ``--cfg-options`` overrides before they are merged into a config.

``Config.merge_from_dict`` accepts any key, so ``train_cfgg.max_epochs=1``
silently adds a new top-level field nobody reads, and a value DictAction
could not turn into a number stays a string.
"""
import argparse
import difflib
import inspect
from typing import Dict, Iterable

from mmengine.config import DictAction
from mmengine.runner import Runner

# Top-level fields mmengine / mmpretrain read besides Runner's arguments.
EXTRA_TOP_LEVEL = ('runner_type', 'model_wrapper_cfg',
                   'find_unused_parameters',
                   'activation_checkpointing', 'efficient_conv_bn_eval',
                   'compile', 'gpu_ids', 'launcher', 'custom_imports',
                   'default_scope', 'work_dir', 'resume', 'load_from')


class CfgOptionsError(ValueError):
    """An override names an unknown field or has a value of the wrong kind.
    """


class CheckedDictAction(DictAction):
    """mmengine's ``DictAction``; a malformed ``key=value`` is a usage
    error naming the pair instead of a traceback."""

    def __call__(self, parser, namespace, values, option_string=None):
        options = dict(getattr(namespace, self.dest, None) or {})
        for pair in values or ():
            key, sep, value = pair.partition('=')
            if not sep or not key:
                parser.error(f'{option_string} {pair!r}: expected KEY=VALUE')
            try:
                options[key] = self._parse_iterable(value)
            except Exception as err:  # noqa: B902  (reported with its key)
                parser.error(f'{option_string} {key}={value!r}: the value '
                             f'cannot be parsed ({err})')
        setattr(namespace, self.dest, options)


def known_top_level_keys(cfg) -> set:
    """Fields a config may have at top level: its own and the Runner's."""
    runner_args = inspect.signature(Runner.__init__).parameters
    return set(cfg.keys()) | set(runner_args) - {'self', 'cfg'} | \
        set(EXTRA_TOP_LEVEL)


def _current_value(cfg, key: str):
    """The value ``key`` (dotted) has in ``cfg``; ``KeyError`` if none."""
    node = cfg
    for part in key.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        elif hasattr(node, 'keys') and part in node:
            node = node[part]
        else:
            raise KeyError(key)
    return node


def check_cfg_options(cfg, options: Dict[str, object],
                      extra_keys: Iterable[str] = ()) -> None:
    """Raise :class:`CfgOptionsError` for an override that cannot be meant.

    - an unknown top-level field (not in the config, not a Runner argument)
      is an error suggesting the closest known field;
    - a value left a string where the config has a number or a bool (it
      failed DictAction's conversion) is an error naming its key.

    Args:
        cfg (mmengine.Config): The config the options will be merged into.
        options (dict): ``--cfg-options`` as parsed by ``DictAction``.
        extra_keys (Iterable[str]): More accepted top-level fields.
    """
    known = known_top_level_keys(cfg) | set(extra_keys)
    for key, value in options.items():
        top = key.split('.')[0]
        if top not in known:
            close = difflib.get_close_matches(top, sorted(known), n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise CfgOptionsError(
                f'--cfg-options {key}={value!r}: the config has no field '
                f'{top!r}{hint} (known top-level fields: '
                f'{", ".join(sorted(cfg.keys()))})')
        try:
            current = _current_value(cfg, key)
        except KeyError:
            continue
        if isinstance(value, str) and isinstance(current, (bool, int, float)):
            kind = 'a bool (True/False)' if isinstance(current, bool) else \
                'a number'
            raise CfgOptionsError(
                f'--cfg-options {key}={value!r}: expected {kind}, like the '
                f'config\'s current value {current!r}')


def add_cfg_options_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options`` with :class:`CheckedDictAction`.

    Args:
        parser (argparse.ArgumentParser): Parser to extend.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CheckedDictAction,
        help='override config settings, as key=value pairs merged into the '
        'config, e.g. train_cfg.max_epochs=5 optim_wrapper.optimizer.lr=0.1; '
        'lists as key="[a,b]" or key=a,b, nested as key="[(a,b),(c,d)]" '
        '(quotes needed, no white space). An unknown top-level field, or a '
        'word where the config has a number, is an error.')
