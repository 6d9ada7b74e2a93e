"""Checkpoint sizes of a config's model: everything vs the small format.

The model is built from the config with random weights (no download:
``model.clip.pretrained`` is set to None for the build, the architecture
is what decides the sizes); the weights left out are those the model
leaves out when built from the config's ``clip.pretrained``
(:meth:`CLIPPromptClassifier.frozen_pretrained_state`). Each size is that
of a real ``torch.save`` of the state dict, with and without the frozen
weights, and of the optimizer state after one step of the config's own
optimizer (mmengine's ``build_optim_wrapper``). The message hub (a few
hundred KB of logged scalars) is not counted.

Example::

    python tools/analysis_tools/checkpoint_size.py \\
        configs/dualcoop/coco.py configs/trm_ml/coco.py
"""
import argparse
import io
import json

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

MIB = 2**20


def saved_bytes(obj) -> int:
    """Bytes ``torch.save`` writes for ``obj``."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.tell()


def optimizer_state(model, cfg) -> dict:
    """The optimizer's state dict after one step with zero gradients."""
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for param in model.parameters():
        if param.requires_grad:
            param.grad = torch.zeros_like(param)
    wrapper.optimizer.step()
    return wrapper.state_dict()


def measure(config: str) -> dict:
    """Parameter counts and bytes of the full and the small checkpoint."""
    import mmpretrain_mlr  # noqa: F401  (registries)
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(config)
    init_default_scope('mmpretrain')
    clip = json.loads(json.dumps(cfg.model.clip.to_dict()))
    model = MODELS.build(cfg.model.copy()
                         | dict(clip=dict(clip, pretrained=None)))
    model.clip_source = clip  # what the model built from `pretrained` says
    _, left_out = model.frozen_pretrained_state()
    state = model.state_dict()
    kept = {k: v for k, v in state.items() if k not in set(left_out)}
    optim = saved_bytes(optimizer_state(model, cfg))
    return dict(
        config=config, model_name=clip.get('model_name'),
        pretrained=clip.get('pretrained'),
        parameters=sum(p.numel() for p in model.parameters()),
        trained=sum(p.numel() for p in model.parameters()
                    if p.requires_grad),
        left_out_tensors=len(left_out),
        full_mib=(saved_bytes(state) + optim) / MIB,
        small_mib=(saved_bytes(kept) + optim) / MIB,
        optimizer_mib=optim / MIB)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+')
    args = parser.parse_args(argv)
    print('| config | CLIP | parameters | trained | full checkpoint (MiB) '
          '| small checkpoint (MiB) | of which optimizer (MiB) |')
    print('|---|---|---|---|---|---|---|')
    for config in args.configs:
        row = measure(config)
        print(f'| `{row["config"]}` | {row["model_name"]} '
              f'({row["pretrained"]}) | {row["parameters"]:,} | '
              f'{row["trained"]:,} | {row["full_mib"]:.1f} | '
              f'{row["small_mib"]:.2f} | {row["optimizer_mib"]:.2f} |')


if __name__ == '__main__':
    main()
