"""Write a model's open_clip module as a plain state dict after training."""
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...utils.atomic_file import write_atomically


@HOOKS.register_module()
class ExportOpenCLIPHook(Hook):
    """After training, save ``model.<attr>`` (an open_clip ``CLIP``) as an
    open_clip state dict, the file that ``clip=dict(arch=...,
    pretrained=FILE)`` loads. The file is written atomically by the main
    process only.

    Args:
        out_file (str): File name, relative to the work dir unless
            absolute. Defaults to ``'open_clip.pth'``.
        attr (str): Attribute of the model holding the open_clip model.
            Defaults to ``'clip'``.
    """

    priority = 'LOW'

    def __init__(self, out_file: str = 'open_clip.pth', attr: str = 'clip'):
        self.out_file = out_file
        self.attr = attr

    def export_path(self, runner) -> str:
        """The absolute path the export goes to."""
        return osp.join(runner.work_dir, self.out_file)

    @master_only
    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        clip_model: Optional[torch.nn.Module] = getattr(model, self.attr, None)
        if clip_model is None:
            raise AttributeError(
                f'ExportOpenCLIPHook: the model ({type(model).__name__}) has '
                f'no attribute {self.attr!r} to export; set `attr` to the '
                'attribute holding the open_clip model')
        state = {k: v.detach().cpu().clone()
                 for k, v in clip_model.state_dict().items()}
        path = self.export_path(runner)
        write_atomically(path, lambda f: torch.save(state, f))
        runner.logger.info(f'open_clip state dict written to {path}')
