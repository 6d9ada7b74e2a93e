"""Write the observed-label matrix of a training config and print its
statistics (known positives / negatives / unknowns per class).

The training dataset of the config is built as training would build it
(dataset, split, label protocol, p, seed, holdout); its observed labels are
written to ``--out``:

- ``.npz``: the protocol's cache format (observed matrix, image keys,
  classes, protocol parameters, hash of the full labels); give it to
  training as ``label_protocol.cache_file`` and any later mismatch is an
  error rather than a silent reuse;
- any other extension: DualCoOp / TaI-DPT text, one comma-separated
  -1 / 0 / 1 vector per image in the dataset's canonical order, read back
  with ``label_protocol=dict(type='ObservedLabelFile', path=...)``.

The file is written to a temporary name and renamed into place, so an
interrupted run leaves nothing half-written.

Example::

    python tools/dataset_converters/make_observed_labels.py \\
        configs/dualcoop/voc.py --out data/voc07_p0.1.npz \\
        --cfg-options train_dataloader.dataset.label_protocol.p=0.1
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Optional, Sequence

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmpretrain_mlr.utils.atomic_file import write_atomically


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the observed labels of a config\'s training set '
        'and print per-class statistics.')
    parser.add_argument('config', help='training config')
    parser.add_argument('--out', help='.npz (protocol cache) or text file '
                        '(comma-separated -1/0/1 rows); omit to only print')
    parser.add_argument('--dataloader', default='train_dataloader',
                        help='which dataloader\'s dataset to use')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config fields, as tools/train.py')
    return parser.parse_args(argv)


def write_observed(dataset, observed: np.ndarray, out: str) -> None:
    """Write ``observed`` [N, C] as a protocol cache or a text file."""
    if out.endswith('.npz'):
        if osp.exists(out):
            raise SystemExit(f'{out!r} exists; remove it first (a cache is '
                             'never overwritten silently)')
        # The protocol writes its own cache when given a cache file.
        protocol = copy.copy(dataset.label_protocol)
        protocol.cache_file = out
        keys = [str(dataset.get_data_info(i)['img_id'])
                for i in range(len(dataset))]
        protocol(dataset.full_labels, keys, dataset.CLASSES)
        return
    text = ''.join(','.join(str(int(v)) for v in row) + '\n'
                   for row in observed)
    write_atomically(out, lambda f: f.write(text.encode()))


def class_table(classes: Sequence[str], observed: np.ndarray) -> str:
    """Known positives, known negatives and unknowns per class."""
    width = max(len('class'), *(len(name) for name in classes))
    lines = [f'{"class":<{width}}  {"pos":>7}  {"neg":>7}  {"unknown":>7}']
    for name, column in zip(classes, observed.T):
        lines.append(f'{name:<{width}}  {(column == 1).sum():>7}  '
                     f'{(column == -1).sum():>7}  {(column == 0).sum():>7}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    import mmpretrain_mlr  # noqa: F401  (registers the datasets)
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    dataset_cfg = dict(cfg[args.dataloader].dataset)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    observed = dataset.observed_labels
    if args.out and len(dataset) != dataset.num_canonical_images:
        raise SystemExit(
            f'the dataset keeps {len(dataset)} of its '
            f'{dataset.num_canonical_images} images (holdout or skipped '
            'files); the files hold the whole canonical list. Write them '
            'without `holdout` and `missing_images=\'skip\'`.')
    print(f'{type(dataset).__name__}: {observed.shape[0]} images, '
          f'{observed.shape[1]} classes, protocol '
          f'{dataset.label_protocol!r}')
    print(f'known: {(observed != 0).mean():.4f} of entries; '
          f'{(observed == 1).sum()} positives, {(observed == -1).sum()} '
          f'negatives; images with a known positive: '
          f'{(observed == 1).any(1).sum()}')
    print(class_table(dataset.CLASSES, observed))
    if args.out:
        write_observed(dataset, observed, args.out)
        print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
