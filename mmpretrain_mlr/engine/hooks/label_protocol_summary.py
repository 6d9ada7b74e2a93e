"""Log, at the start of training, what the label protocol left known."""
from typing import Optional

import numpy as np
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


def label_protocol_summary(dataset) -> Optional[dict]:
    """Images, classes and the known positive / known negative / unknown
    entries of a dataset's observed labels.

    Args:
        dataset: a dataset whose data infos carry ``observed_label`` ([C]
            int8 in {+1, -1, 0 unknown}).

    Returns:
        dict or None: ``images``, ``classes``, ``known_pos``, ``known_neg``,
        ``unknown`` (entry counts) and ``known_share``; None when the
        dataset has no observed labels.
    """
    if not hasattr(dataset, 'get_data_info') or len(dataset) == 0:
        return None
    counts = np.zeros(3, dtype=np.int64)  # -1, 0, +1
    classes = None
    for index in range(len(dataset)):
        observed = dataset.get_data_info(index).get('observed_label')
        if observed is None:
            return None
        observed = np.asarray(observed)
        classes = observed.size
        counts += np.bincount(observed.astype(np.int64) + 1, minlength=3)
    total = int(counts.sum())
    return dict(images=len(dataset), classes=classes,
                known_pos=int(counts[2]), known_neg=int(counts[0]),
                unknown=int(counts[1]),
                known_share=float(counts[0] + counts[2]) / max(1, total))


@HOOKS.register_module()
class LabelProtocolSummaryHook(Hook):
    """Before training, log one line with the training set's images,
    classes and known positive / known negative / unknown label entries
    (also kept as ``runner.message_hub`` info ``'label_protocol'``).
    Datasets without observed labels are left alone."""

    priority = 'LOW'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        summary = label_protocol_summary(dataset)
        if summary is None:
            return
        total = summary['known_pos'] + summary['known_neg'] + \
            summary['unknown']

        def share(n):
            return f'{n} ({100 * n / max(1, total):.1f} %)'

        protocol = runner.cfg.get('train_dataloader', {}).get(
            'dataset', {}).get('label_protocol')
        runner.logger.info(
            f'Training labels: {type(dataset).__name__}, '
            f"{summary['images']} images x {summary['classes']} classes, "
            f'protocol {protocol!r}: known positive '
            f"{share(summary['known_pos'])}, known negative "
            f"{share(summary['known_neg'])}, unknown "
            f"{share(summary['unknown'])}; known share "
            f"{100 * summary['known_share']:.1f} %")
        runner.message_hub.update_info('label_protocol', summary)
