"""Image encoders seen as stem -> blocks -> tail, for partial fine-tuning
(only the last k blocks train) and layer-wise learning-rate decay."""
import itertools
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule


def _uncovered_children(module: nn.Module, name: str,
                        covered: List[str]) -> List[str]:
    """Names of the submodules under ``name`` that hold none of the
    ``covered`` names, descending only into ancestors of covered names."""
    found = []
    for child_name, child in module.named_children():
        full = f'{name}.{child_name}' if name else child_name
        if full in covered:
            continue
        if any(c.startswith(full + '.') for c in covered):
            found += _uncovered_children(child, full, covered)
        else:
            found.append(full)
    return found


def _channels_last_images(module, args):
    """Forward pre-hook: the images [B, 3, H, W] in channels-last memory
    format."""
    images, *rest = args
    return (images.contiguous(memory_format=torch.channels_last), *rest)


class BlockwiseEncoder(BaseModule):
    """Base of the image encoders that can train only their last blocks.

    A subclass names, relative to itself, its ``tower`` (a class attribute:
    the module holding the pretrained network), its ``blocks`` in forward
    order (ViT residual
    blocks, ResNet stages) and its ``tail`` (what follows the blocks: a
    ViT's final norm and projection, a ResNet's attention pool, a new
    projection). Everything else in the tower is the stem.

    - ``frozen=True``: the whole tower is frozen; ``frozen=False``: all of
      it trains.
    - ``trainable_blocks=k``: the last k blocks and the tail train; the stem
      and the earlier blocks are frozen. Frozen parts stay in eval mode
      whatever the runner asks, so their normalisation statistics and
      dropout do not change.
    - :meth:`get_layer_depth` numbers the layers as mmpretrain's backbones
      do (BEiT-style): stem 0, block i -> i + 1, tail and anything outside
      the tower -> number of blocks + 1, out of number of blocks + 2, so
      that ``LearningRateDecayOptimWrapperConstructor`` scales block i's
      learning rate by ``rate ** (num_blocks - i)``.

    Subclasses call :meth:`configure_trainable` once their modules exist.
    """

    #: name of the submodule holding the pretrained network
    tower = 'visual'
    #: whether ``frozen=True`` freezes the tail too (a CLIP tower's
    #: projection) or leaves it to train (a new projection)
    tail_frozen_with_tower = True

    def layer_groups(self) -> Tuple[List[str], List[str]]:
        """``(blocks, tail)`` as module or parameter names."""
        raise NotImplementedError

    def configure_trainable(self, frozen: bool,
                            trainable_blocks: Optional[int]) -> None:
        """Set ``requires_grad`` and the modules kept in eval mode.

        Args:
            frozen (bool): freeze the whole tower (ignored when
                ``trainable_blocks`` is given).
            trainable_blocks (int, optional): train only the last k blocks
                and the tail.
        """
        tower_name = self.tower
        tower = self.get_submodule(tower_name)
        self.frozen = frozen
        self.trainable_blocks = trainable_blocks
        self._frozen_modules: List[str] = []
        if trainable_blocks is None:
            if frozen:
                tower.requires_grad_(False)
                self._frozen_modules = [tower_name]
            return
        blocks, tail = self.layer_groups()
        if not 1 <= trainable_blocks <= len(blocks):
            raise ValueError(
                f'{type(self).__name__}: trainable_blocks must be between 1 '
                f'and the number of blocks ({len(blocks)}), got '
                f'{trainable_blocks}')
        tower.requires_grad_(True)
        keep = blocks[len(blocks) - trainable_blocks:] + tail
        stem = _uncovered_children(tower, tower_name, blocks + tail)
        self._frozen_modules = stem + blocks[:len(blocks) - trainable_blocks]
        for name in self._frozen_modules:
            self.get_submodule(name).requires_grad_(False)
        # parameters owned directly by the tower or an ancestor of a block
        # (a ViT's class and position embeddings) belong to the stem
        for name, param in self.named_parameters():
            if name.startswith(tower_name + '.') and not any(
                    name == k or name.startswith(k + '.') for k in keep):
                param.requires_grad_(False)

    def forward_to(self, images: torch.Tensor,
                   depth: Optional[int] = None) -> torch.Tensor:
        """The stem and the first ``depth`` blocks (all of the tower, tail
        included, for None), as one tensor."""
        raise NotImplementedError

    def forward_from(self, x: torch.Tensor, depth: Optional[int] = None):
        """The rest of the encoder after :meth:`forward_to`: the image
        features."""
        raise NotImplementedError

    def frozen_depth(self) -> Optional[int]:
        """The ``depth`` of :meth:`forward_to` that covers exactly the
        frozen part: what a feature cache can store once and reuse.

        Returns:
            int | None: the number of frozen blocks, or None when the
            whole encoder, tail included, is frozen.

        Raises:
            ValueError: if nothing before a trained part is frozen.
        """
        blocks, _ = self.layer_groups()
        if self.trainable_blocks is not None:
            return len(blocks) - self.trainable_blocks
        if not self.frozen:
            raise ValueError(
                f'{type(self).__name__} trains all of its tower '
                '(frozen=False, no trainable_blocks): no frozen part to '
                'cache')
        return None if self.tail_frozen_with_tower else len(blocks)

    def modules_after(self, depth: Optional[int]) -> List[str]:
        """Names of the modules :meth:`forward_from` runs after
        :meth:`forward_to` stopped at ``depth``."""
        if depth is None:
            return []
        blocks, tail = self.layer_groups()
        return blocks[depth:] + tail

    def frozen_part_state(self, depth: Optional[int]) -> List[tuple]:
        """``(name, tensor)`` of every parameter and buffer that
        :meth:`forward_to` reads at ``depth``: what a cache of its output
        depends on."""
        later = self.modules_after(depth)
        return [(name, tensor) for name, tensor in itertools.chain(
            self.named_parameters(), self.named_buffers())
            if not any(name == m or name.startswith(m + '.') for m in later)]

    def set_channels_last(self, enabled: bool) -> None:
        """Store the tower's 4-D weights channels-last and hand it
        channels-last images (faster convolutions of ResNets on GPUs with
        tensor cores); the same features up to float rounding."""
        self.channels_last = enabled
        if enabled:
            self.get_submodule(self.tower).to(
                memory_format=torch.channels_last)
            self.register_forward_pre_hook(_channels_last_images)

    def train(self, mode: bool = True):
        """Keep the frozen parts in eval mode."""
        super().train(mode)
        for name in getattr(self, '_frozen_modules', []):
            self.get_submodule(name).eval()
        return self

    def get_layer_depth(self, param_name: str,
                        prefix: str = '') -> Tuple[int, int]:
        """Layer id and number of layers of a parameter (mmpretrain's
        backbone protocol).

        Args:
            param_name (str): the parameter's name.
            prefix (str): the part of ``param_name`` naming this encoder
                inside a larger model. Defaults to ''.

        Returns:
            tuple[int, int]: ``(layer_id, num_layers)``.
        """
        blocks, tail = self.layer_groups()
        num_layers = len(blocks) + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        for i, block in enumerate(blocks):
            if name.startswith(block + '.'):
                return i + 1, num_layers
        in_tail = any(name == t or name.startswith(t + '.') for t in tail)
        if name.startswith(self.tower + '.') and not in_tail:
            return 0, num_layers
        return num_layers - 1, num_layers
