"""Check, before training, that the label protocol left labels to learn."""
import numpy as np
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


class NoKnownLabelsError(ValueError):
    """The training set has no known (observed) label at all."""


def count_known_labels(dataset):
    """Count the known entries of a dataset's observed labels.

    Args:
        dataset: A dataset whose data infos carry ``observed_label`` ([C]
            int8 in {+1, -1, 0 unknown}), e.g. any
            :class:`~mmpretrain_mlr.datasets.BaseMultiLabelDataset`.

    Returns:
        tuple[int, int] | None: ``(known, total)`` entries, or None if the
        dataset has no observed labels.
    """
    if not hasattr(dataset, 'get_data_info') or len(dataset) == 0:
        return None
    known = total = 0
    for index in range(len(dataset)):
        observed = dataset.get_data_info(index).get('observed_label')
        if observed is None:
            return None
        observed = np.asarray(observed)
        known += int(np.count_nonzero(observed))
        total += observed.size
    return known, total


@HOOKS.register_module()
class ObservedLabelCheckHook(Hook):
    """Refuse to train on a label protocol that leaves nothing to learn.

    Counts the known entries (+1 / -1) of the training set's observed label
    matrix. None at all (e.g. ``PartialLabels(p=1e-9)``) raises
    :class:`NoKnownLabelsError`: every loss would be 0 and the run would
    learn nothing. Fewer than ``warn_below`` of all entries log a warning
    with the count. Datasets without observed labels are not checked.

    Args:
        warn_below (float): Fraction of known entries below which to warn.
            Defaults to 0.01.
    """

    def __init__(self, warn_below: float = 0.01) -> None:
        self.warn_below = warn_below

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        counted = count_known_labels(dataset)
        if counted is None:
            return
        known, total = counted
        where = (f'train_dataloader.dataset ({type(dataset).__name__}, '
                 f'{len(dataset)} images)')
        protocol = runner.cfg.get('train_dataloader', {}).get(
            'dataset', {}).get('label_protocol')
        if known == 0:
            raise NoKnownLabelsError(
                f'{where}: the label protocol {protocol!r} leaves no known '
                f'label (0 of {total} entries); every loss would be 0. '
                'Expected at least one known positive or negative; raise '
                'the protocol\'s ratio (e.g. label_protocol.p).')
        if known < self.warn_below * total:
            runner.logger.warning(
                f'{where}: the label protocol {protocol!r} leaves only '
                f'{known} known label entries of {total} '
                f'({100 * known / total:.3g} %); training has very little '
                'to learn from.')
