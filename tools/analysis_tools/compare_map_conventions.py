"""This package's 'mmpretrain' mAP against mmpretrain's own AveragePrecision
on the predictions of a ``tools/test.py --out preds.pkl`` file.

The two agree except where scores of a class tie across positives and
negatives (mmpretrain ranks such a group in ``torch.argsort``'s order,
this package treats it as one threshold) and on classes without a
positive (mmpretrain counts them as 0). The table gives both figures, the
ties and the empty classes, for the predictions as stored (float64
sigmoids) and rounded to float32 (where every logit above about 17 gives
exactly 1.0).

Example::

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/compare_map_conventions.py preds.pkl
"""
import argparse

import numpy as np
import torch
from plot_results import load_predictions


def tie_counts(scores, targets):
    """``(tied entries, tied groups mixing positives and negatives)`` over
    the classes, ignored entries (0) left out.

    Args:
        scores (np.ndarray): [N, C] scores.
        targets (np.ndarray): [N, C] targets in {+1, -1, 0 ignore}.
    """
    tied, mixed = 0, 0
    for column, target in zip(scores.T, targets.T):
        kept = target != 0
        _, group, size = np.unique(column[kept], return_inverse=True,
                                   return_counts=True)
        tied += int((size[group] > 1).sum())
        positives = np.bincount(group, target[kept] == 1, len(size))
        mixed += int(((positives > 0) & (positives < size)).sum())
    return tied, mixed


def compare(scores, targets):
    """One row of the table: both mAPs (%), their difference, the ties and
    the classes without a positive."""
    from mmpretrain.evaluation import AveragePrecision

    from mmpretrain_mlr.evaluation import mean_average_precision
    ours = mean_average_precision(scores, targets, 'mmpretrain')
    # mmpretrain codes 1 positive, 0 negative, -1 ignored
    coded = np.select([targets == 1, targets == -1], [1, 0], -1)
    theirs = AveragePrecision.calculate(torch.from_numpy(scores),
                                        torch.from_numpy(coded)).item()
    tied, mixed = tie_counts(scores, targets)
    empty = int((~(targets == 1).any(axis=0)).sum())
    return ours, theirs, ours - theirs, tied, mixed, empty


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('predictions', help='tools/test.py --out .pkl file')
    args = parser.parse_args(argv)
    scores, targets = load_predictions(args.predictions)
    print(f'{scores.shape[0]} images, {scores.shape[1]} classes, scores '
          f'stored as {scores.dtype}\n')
    print('| scores | MultiLabelMAP (mmpretrain) | AveragePrecision | '
          'difference | tied entries | tied groups of pos. and neg. | '
          'classes without positives |')
    print('|---|---|---|---|---|---|---|')
    for name, values in (('as stored', scores),
                         ('rounded to float32',
                          scores.astype(np.float32).astype(np.float64))):
        ours, theirs, diff, tied, mixed, empty = compare(values, targets)
        print(f'| {name} | {ours:.4f} | {theirs:.4f} | {diff:+.2e} | '
              f'{tied} | {mixed} | {empty} |')


if __name__ == '__main__':
    main()
