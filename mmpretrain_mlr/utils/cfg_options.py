"""Check ``--cfg-options`` overrides before they are merged into a config.

``Config.merge_from_dict`` accepts any key, so ``train_cfgg.max_epochs=1``
silently adds a new top-level field nobody reads, and a value DictAction
could not turn into a number stays a string. A variable of a config's bases
(``dataset_type = 'CocoMultiLabel'``, then ``dataset=dict(type=dataset_type)``)
is copied into its fields when the config is read, so overriding it
afterwards reaches none of them; ``data_root`` is the exception: every field
that holds the config's root (or a path under it) follows it
(:func:`follow_data_root`).
"""
import argparse
import difflib
import inspect
import os.path as osp
from typing import Dict, Iterable, List, Tuple

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
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


RUNNER_FIELDS = tuple(set(inspect.signature(Runner.__init__).parameters) -
                      {'self', 'cfg'})


def known_top_level_keys(cfg) -> set:
    """Fields a config may have at top level: its own and the Runner's."""
    return set(cfg.keys()) | set(RUNNER_FIELDS) | set(EXTRA_TOP_LEVEL)


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


DATA_ROOT = 'data_root'


def _walk(node, prefix: str = ''):
    """``(dotted path, value)`` of every field below ``node``."""
    if hasattr(node, 'items'):
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        path = f'{prefix}.{key}' if prefix else str(key)
        yield path, value
        yield from _walk(value, path)


def _plain(value):
    """A comparable copy of a config value (ConfigDicts as dicts)."""
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    if hasattr(value, 'items'):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def copies_of_variable(cfg, key: str) -> List[str]:
    """The fields of ``cfg`` that hold a copy of the top-level variable
    ``key``: its value (a path under it, for a string), or, for a number or
    a bool, its value under the same name (``num_classes``).

    Args:
        cfg (mmengine.Config): The config.
        key (str): A top-level field.

    Returns:
        list[str]: Dotted paths, e.g. ``['train_dataloader.dataset.type']``.
    """
    value = _plain(cfg.get(key))
    if value is None or value == '' or value == [] or value == {}:
        return []
    found = []
    for path, other in _walk({k: v for k, v in cfg.items() if k != key}):
        if isinstance(value, bool) or isinstance(value, (int, float)):
            if path.split('.')[-1] == key and type(other) is type(value) \
                    and other == value:
                found.append(path)
        elif isinstance(value, str):
            if isinstance(other, str) and (
                    other == value or other.startswith(value.rstrip('/') +
                                                       '/')):
                found.append(path)
        elif not isinstance(other, (str, int, float)) and \
                _plain(other) == value:
            found.append(path)
    # a copy inside a copy (a list of dicts) is named once, at its top
    return [p for p in found
            if not any(p.startswith(q + '.') for q in found if q != p)]


def follow_data_root(cfg, old_root: str) -> List[Tuple[str, str]]:
    """Make every field that holds ``old_root`` (or a path under it) hold
    ``cfg.data_root`` instead; in place.

    ``data_root`` is the one variable of the dataset bases that every
    dataloader follows: ``--cfg-options data_root=/data/coco`` (or
    ``cfg.data_root = ...`` in a notebook) points the whole config at
    another dataset root (annotation files and class-name files included).
    A field given its own value is left alone.

    Args:
        cfg (mmengine.Config): The config, ``data_root`` already changed.
        old_root (str): The root the config's fields were written with.

    Returns:
        list[tuple[str, str]]: ``(field, new value)`` of each field changed.
    """
    new_root = cfg.get(DATA_ROOT)
    if not isinstance(old_root, str) or not isinstance(new_root, str) or \
            old_root == new_root or not old_root:
        return []
    changed = []
    old = old_root.rstrip('/')
    for path, value in list(_walk({k: v for k, v in cfg.items()
                                   if k != DATA_ROOT})):
        if not isinstance(value, str) or not (
                value == old_root or value.startswith(old + '/')):
            continue
        new = new_root if value == old_root else \
            new_root.rstrip('/') + value[len(old):]
        parent, _, leaf = path.rpartition('.')
        node = _current_value(cfg, parent) if parent else cfg
        if isinstance(node, list):
            node[int(leaf)] = new
        else:
            node[leaf] = new
        changed.append((path, new))
    return changed


def check_cfg_options(cfg, options: Dict[str, object],
                      extra_keys: Iterable[str] = ()) -> None:
    """Raise :class:`CfgOptionsError` for an override that cannot be meant.

    - an unknown top-level field (not in the config, not a Runner argument)
      is an error suggesting the closest known field;
    - a value left a string where the config has a number or a bool (it
      failed DictAction's conversion) is an error naming its key;
    - an override of a variable of the config's bases that its fields
      copied when the config was read (``dataset_type=...``) reaches none
      of them: an error naming the fields that hold the old value, to
      override instead. ``data_root`` is followed instead
      (:func:`follow_data_root`).

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
        runner_field = top in set(RUNNER_FIELDS) | set(EXTRA_TOP_LEVEL)
        if '.' not in key and key != DATA_ROOT and not runner_field:
            copies = copies_of_variable(cfg, key)
            if copies:
                shown = ', '.join(copies[:6]) + (
                    f' (and {len(copies) - 6} more)' if len(copies) > 6
                    else '')
                raise CfgOptionsError(
                    f'--cfg-options {key}={value!r}: {key!r} is a variable '
                    f'of the config\'s bases, copied into its fields when '
                    f'the config was read; overriding it changes none of '
                    f'them. Fields holding its value {current!r}: {shown}; '
                    'override those instead')
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
        '(quotes needed, no white space). data_root=DIR points every '
        'dataloader at DIR. An unknown top-level field, a word where the '
        'config has a number, or a base variable its fields copied (e.g. '
        'dataset_type) is an error.')


def follow_config_data_root(cfg) -> List[Tuple[str, str]]:
    """:func:`follow_data_root` against the root of ``cfg``'s own file.

    What every entry point gets through ``PortableRunner``: a ``data_root``
    changed after the config was read (mmpretrain's ``--cfg-options``, a
    notebook) moves the fields that still hold the file's root, with a log
    line naming them.

    Args:
        cfg (mmengine.Config): The config; modified in place.

    Returns:
        list[tuple[str, str]]: The fields changed and their new values.
    """
    filename = getattr(cfg, 'filename', None)
    if DATA_ROOT not in cfg or not filename or not osp.isfile(filename):
        return []
    original = Config.fromfile(filename).get(DATA_ROOT)
    changed = follow_data_root(cfg, original)
    if changed:
        print_log(
            f'data_root={cfg.get(DATA_ROOT)!r} (was {original!r} in '
            f'{filename}): {len(changed)} fields follow it: ' +
            ', '.join(path for path, _ in changed), logger='current')
    return changed
