"""Cross-process helpers for state that modules keep across steps: every
process must hold the same copy."""
from typing import Dict, Tuple

import torch
from mmengine.dist import all_gather, all_reduce, get_rank, get_world_size


def all_gather_rows(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Concatenate, along dim 0, the tensors of every process.

    Each process may hold a different number of rows (the tensors of one
    process share it). Without a process group the tensors come back
    unchanged. Every process gets the rows in rank order.

    Args:
        *tensors (Tensor): [N_rank, ...] each.

    Returns:
        tuple[Tensor]: [sum of N_rank, ...] each, in the input dtypes.
    """
    num_rows = tensors[0].new_tensor([tensors[0].shape[0]], dtype=torch.long)
    counts = [int(n) for n in all_gather(num_rows)]
    if len(counts) == 1:
        return tensors
    gathered = []
    for tensor in tensors:
        # gloo has no all_gather for bool tensors; equal shapes are needed.
        padded = tensor.new_zeros(
            (max(counts), *tensor.shape[1:]),
            dtype=torch.uint8 if tensor.dtype == torch.bool else tensor.dtype)
        padded[:tensor.shape[0]] = tensor
        parts = all_gather(padded)
        rows = torch.cat([part[:n] for part, n in zip(parts, counts)])
        gathered.append(rows.to(device=tensor.device, dtype=tensor.dtype))
    return tuple(gathered)


def all_reduce_sum(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Sums of each tensor over all processes (copies; inputs untouched).
    Without a process group the copies equal the inputs."""
    summed = []
    for tensor in tensors:
        tensor = tensor.detach().clone()
        all_reduce(tensor, op='sum')
        summed.append(tensor)
    return tuple(summed)


def last_occurrence(
        sample_idx: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """The distinct indices of ``sample_idx`` and, for each, the position of
    its last occurrence -- so that writing rows of a batch in which an image
    appears twice (samplers pad the last batches of an epoch by repeating
    images) is deterministic on every device.

    Args:
        sample_idx (Tensor): [N] long.

    Returns:
        tuple[Tensor, Tensor]: distinct indices [M] and positions [M].
    """
    unique, inverse = torch.unique(sample_idx, return_inverse=True)
    positions = torch.arange(sample_idx.numel(), device=sample_idx.device)
    last = torch.zeros_like(unique).scatter_reduce(0,
                                                   inverse,
                                                   positions,
                                                   reduce='amax',
                                                   include_self=False)
    return unique, last


def check_same_on_all_ranks(tensors: Dict[str, torch.Tensor],
                            what: str) -> None:
    """Raise on every process if named tensors differ between processes.

    Each process reduces its tensors to a float64 checksum (sum and a
    position-weighted sum of every tensor); the checksums are gathered and
    compared, so the cost is one small collective whatever the sizes.

    Args:
        tensors (dict[str, Tensor]): The state to compare, by name.
        what (str): What the state is, for the error message.
    """
    if get_world_size() == 1:
        return
    sums = []
    for tensor in tensors.values():
        flat = tensor.detach().double().flatten()
        weights = torch.arange(1, flat.numel() + 1, dtype=torch.float64,
                               device=flat.device)
        sums += [flat.sum(), (flat * weights).sum()]
    local = torch.stack(sums)  # [2 * number of tensors]
    gathered = all_gather(local)
    reference = gathered[0]
    differ = [rank for rank, other in enumerate(gathered)
              if not torch.equal(other, reference)]
    if differ:
        names = list(tensors)
        raise RuntimeError(
            f'{what} differ between processes: ranks {differ} disagree with '
            f'rank 0 (this is rank {get_rank()}; state {names}); every '
            'process must apply the same updates, e.g. from all-reduced '
            'sums')
