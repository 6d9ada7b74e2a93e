"""Does SigRL's label graph (GMC) attend to the classes that co-occur?

For a model whose head has a :class:`LabelCorrelationGraph` (SigRL), the
attention of each graph layer over the class embeddings of a vocabulary,
set against the co-occurrence of those classes in a dataset's full
labels: for each class i, the Spearman rank correlation over the other
classes j between the attention ``alpha[i, j]`` and ``P(j | i)`` (the
share of the images with i that also hold j), averaged over the classes
(chance: 0), and the same against the lift ``P(j | i) / P(j)``, which
leaves out how frequent j is in general (on long-tailed labels ``P(j |
i)`` mostly ranks the frequent classes first), and how much the rows
differ at all (:func:`row_spread`). Beside them, the same
figures for the cosine similarity of the class embeddings themselves
(what the frozen text side says before any graph) and for the graph as
built, before training.

    python tools/analysis_tools/label_graph_attention.py \\
        configs/demo/sigrl_scenes_zsl.py \\
        work_dirs/demo/sigrl_scenes_zsl/epoch_12.pth --out-dir graph

``--split train`` (default) reads the training vocabulary and the training
set's labels; ``--split test`` the test vocabulary (e.g. seen + unseen
classes) and the test set's. ``--out-dir`` also saves the matrices as a
picture (co-occurrence, each layer's attention, classes in the
vocabulary's order).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmpretrain_mlr  # noqa: E402,F401
from mmpretrain.registry import DATASETS, MODELS  # noqa: E402


def conditional_cooccurrence(labels: np.ndarray) -> np.ndarray:
    """``P(j | i)`` [C, C]: of the images where class i is present (label
    1), the share where j is present too; rows of absent classes are NaN.

    Args:
        labels (np.ndarray): full labels [N, C], 1 for present.
    """
    present = (labels == 1).astype(np.float64)
    together = present.T @ present  # [C, C]: images with both i and j
    counts = np.diag(together).copy()
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(counts[:, None] > 0, together / counts[:, None],
                        np.nan)


def lift(labels: np.ndarray) -> np.ndarray:
    """``P(j | i) / P(j)`` [C, C]: how much more often j appears with i
    than in general (1: independent). Unlike ``P(j | i)`` it does not
    favour the frequent classes. NaN where i or j is never present."""
    prevalence = (labels == 1).mean(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(prevalence[None] > 0,
                        conditional_cooccurrence(labels) / prevalence[None],
                        np.nan)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` with tied values sharing their mean rank."""
    order = np.argsort(values, kind='stable')
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and \
                sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def rowwise_spearman(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Spearman's correlation of ``scores[i, j]`` with ``truth[i, j]`` over
    the classes j != i where ``truth`` is defined, per row i [C]; NaN
    where fewer than 3 are defined or either side is constant (nothing to
    rank)."""
    num = scores.shape[0]
    result = np.full(num, np.nan)
    for i in range(num):
        keep = (np.arange(num) != i) & ~np.isnan(truth[i])
        a, b = scores[i, keep], truth[i, keep]
        if len(b) < 3 or np.ptp(b) == 0 or np.ptp(a) == 0:
            continue
        result[i] = np.corrcoef(average_ranks(a), average_ranks(b))[0, 1]
    return result


def _off_diagonal_rows(matrix: np.ndarray):
    """The rows with the diagonal set to 0, each scaled to sum 1, and a
    mask of each kept row's diagonal entry; rows of NaN or zeros are left
    out."""
    rows = np.array(matrix, dtype=np.float64)
    diagonal = np.eye(*rows.shape, dtype=bool)
    rows[diagonal] = 0.
    totals = rows.sum(axis=1)
    keep = np.isfinite(totals) & (totals > 0)
    return rows[keep] / totals[keep, None], diagonal[keep]


def row_spread(matrix: np.ndarray) -> float:
    """How much the rows differ: with the diagonal left out and each row
    scaled to sum 1, the mean total-variation distance of a row from the
    average row. Rows weighing every other class alike give 1/C (each
    row's own zero sits elsewhere), and so does a matrix whose rows say
    nothing about pairs; rows of NaN or zeros are left out."""
    rows, _ = _off_diagonal_rows(matrix)
    return float(0.5 * np.abs(rows - rows.mean(axis=0)).sum(axis=1).mean())


def distance_from_uniform(matrix: np.ndarray) -> float:
    """How far the rows are from weighing every other class alike: with
    the diagonal left out and each row scaled to sum 1, the mean
    total-variation distance of a row from the uniform row over the
    other classes (0: uniform rows). Rows can be far from uniform and
    still all alike (a small :func:`row_spread`): every class then weighs
    the same few classes."""
    rows, diagonal = _off_diagonal_rows(matrix)
    uniform = (~diagonal) / (~diagonal).sum(axis=1, keepdims=True)
    return float(0.5 * np.abs(rows - uniform).sum(axis=1).mean())


def graph_of(model) -> 'torch.nn.Module':
    graph = getattr(model.head, 'graph', None)
    if graph is None:
        raise ValueError(f'{type(model.head).__name__} has no label graph '
                         '(head.graph); this reads SigRL heads with GMC')
    return graph


def class_embeddings(model, class_names: List[str]) -> torch.Tensor:
    """The normalised class embeddings [C, D] the head scores."""
    with torch.no_grad():
        return model.text_features(class_names)[0].float()


def attention_matrices(model, embeds: torch.Tensor) -> Dict[str, np.ndarray]:
    """The graph's attention [C, C] per layer over ``embeds`` [C, D]."""
    return {f'layer {depth}': attn.numpy() for depth, attn in
            enumerate(graph_of(model).attention(embeds), 1)}


def split_settings(cfg: Config, split: str):
    """The vocabulary and dataset config of ``split``."""
    model = cfg.model
    if split == 'train':
        names = model.get('class_names')
        dataset = cfg.train_dataloader.dataset
    else:
        names = model.get('test_class_names') or model.get('class_names')
        dataset = cfg.test_dataloader.dataset
    if not names:
        raise ValueError(f'the config names no vocabulary for {split!r} '
                         '(model.class_names / model.test_class_names)')
    return list(names), dataset


def build_labels(dataset_cfg: dict, class_names: List[str]) -> np.ndarray:
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[],
                                  label_protocol=None))
    classes = list(dataset.CLASSES)
    if classes != class_names:
        raise ValueError(f'the dataset\'s classes {classes[:4]}... are not '
                         f'the vocabulary {class_names[:4]}... of the split')
    return dataset.full_labels


def build_model(cfg: Config, checkpoint: Optional[str]):
    """The config's model, its random initialisation drawn from the
    config's seed, with ``checkpoint`` loaded if given."""
    from mmpretrain_mlr.utils.frozen_weights import load_checkpoint
    torch.manual_seed(cfg.get('randomness', {}).get('seed') or 0)
    model = MODELS.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint)
    return model.eval()


def summarise(models: Dict[str, Dict[str, np.ndarray]],
              truths: Dict[str, np.ndarray]) -> List[dict]:
    """One row per (source, matrix): for each truth, the mean and std over
    classes of the row-wise Spearman correlation with it."""
    rows = []
    for model_name, matrices in models.items():
        for name, matrix in matrices.items():
            row = dict(source=f'{model_name}: {name}',
                       spread=row_spread(matrix),
                       uniform=distance_from_uniform(matrix))
            for truth_name, truth in truths.items():
                rho = rowwise_spearman(matrix, truth)
                rho = rho[~np.isnan(rho)]
                row[truth_name] = (float(rho.mean()), float(rho.std()),
                                   len(rho))
            rows.append(row)
    return rows


def format_table(rows: List[dict], truths: Dict[str, np.ndarray]) -> str:
    """The rows, then the spread of the truths' own rows for scale."""
    lines = ['| matrix | ' + ' | '.join(
        f'Spearman with {t} (classes)' for t in truths) +
        ' | rows differ (TV from the mean row) '
        '| rows from uniform (TV) |',
        '|---' * (len(truths) + 3) + '|']
    for row in rows:
        cells = [f'{m:.3f} ± {s:.3f} ({n})'
                 for m, s, n in (row[t] for t in truths)]
        lines.append(f'| {row["source"]} | ' + ' | '.join(cells) +
                     f' | {row["spread"]:.3f} | {row["uniform"]:.3f} |')
    for name, truth in truths.items():
        lines.append(f'| data: {name} | ' + ' | '.join(
            '1' if t == name else '' for t in truths) +
            f' | {row_spread(truth):.3f} '
            f'| {distance_from_uniform(truth):.3f} |')
    return '\n'.join(lines)


def save_picture(path: str, panels: Dict[str, np.ndarray]) -> None:
    """The matrices side by side, diagonals blanked, saved atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4))
    for ax, (title, matrix) in zip(axes, panels.items()):
        shown = np.array(matrix, dtype=float)
        np.fill_diagonal(shown, np.nan)  # self-attention / P(i|i) = 1
        ax.imshow(shown, cmap='viridis')
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('class j')
        ax.set_ylabel('class i')
    fig.tight_layout()
    tmp = path + '.tmp.png'
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?',
                        help='trained weights (none: only the model as '
                        'built)')
    parser.add_argument('--split', choices=['train', 'test'],
                        default='train')
    parser.add_argument('--out-dir', help='save the table and a picture here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope('mmpretrain')
    class_names, dataset_cfg = split_settings(cfg, args.split)
    labels = build_labels(dataset_cfg, class_names)
    truths = {'P(j given i)': conditional_cooccurrence(labels),
              'lift': lift(labels)}
    untrained = build_model(cfg, None)
    embeds = class_embeddings(untrained, class_names)  # the text is frozen
    models = {
        'class embeddings': {'cosine similarity': (embeds @ embeds.t())
                             .numpy()},
        'graph as built': attention_matrices(untrained, embeds),
    }
    if args.checkpoint:  # the same model, its trained weights loaded
        from mmpretrain_mlr.utils.frozen_weights import load_checkpoint
        load_checkpoint(untrained, args.checkpoint)
        models['graph trained'] = attention_matrices(untrained, embeds)
    rows = summarise(models, truths)
    table = format_table(rows, truths)
    print(table)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        with open(osp.join(args.out_dir, 'graph_attention.md'), 'w') as f:
            f.write(table + '\n')
        last = list(models)[-1]
        save_picture(osp.join(args.out_dir, 'graph_attention.png'), {
            **{f'data: {name}': truth for name, truth in truths.items()},
            **{f'{last}: {name}': m for name, m in models[last].items()}})
    return rows


if __name__ == '__main__':
    main()
