"""How much a frozen CLIP image tower can support on the shapes scenes: a
linear probe on its features, trained with every label.

Every method of the scenes demos reads the frozen tower (SigRL trains its
last blocks), so the tower's features bound what they can reach. This tool
extracts them (no augmentation) for the train and val scenes of a config
and fits one logistic regression per feature kind, with the full labels
(no partial or single-positive protocol):

- ``global``: the tower's global feature [D];
- ``patches (mean, max)``: the mean and the maximum over the dense tokens,
  side by side [2D].

It prints their val mAP beside the CLIP alone (the config's model, fixed
prompts) and the prevalence. A probe trained on every label scoring near
the CLIP alone means the tower, not the methods, is what limits the demos:

    python tools/analysis_tools/clip_linear_probe.py
    python tools/analysis_tools/clip_linear_probe.py \
        --cfg-options model.clip.pretrained=work_dirs/scenes_clip/open_clip.pth
"""
import os.path as osp
import sys
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from clip_zero_shot_attributes import parse_scenes_args, scene_batches
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmpretrain_mlr  # noqa: E402,F401
from mmpretrain.registry import MODELS  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmpretrain_mlr.evaluation.average_precision import \
    per_class_average_precision  # noqa: E402


def linear_probe_map(train_x: torch.Tensor, train_y: torch.Tensor,
                     val_x: torch.Tensor, val_y: torch.Tensor,
                     steps: int = 300, lr: float = 1e-2,
                     weight_decay: float = 1e-4, seed: int = 0) -> float:
    """Val mAP (%) of a logistic regression fitted on full labels.

    The features are standardised with the train statistics; the fit is
    full-batch Adam on the binary cross-entropy of every (image, class).

    Args:
        train_x (Tensor): [N, F] train features.
        train_y (Tensor): [N, C] train labels in {0, 1}.
        val_x (Tensor): [M, F] val features.
        val_y (Tensor): [M, C] val labels in {0, 1}.
        steps (int): optimiser steps. Defaults to 300.
        lr (float): Adam's learning rate. Defaults to 1e-2.
        weight_decay (float): Adam's weight decay. Defaults to 1e-4.
        seed (int): seed of the initialisation. Defaults to 0.

    Returns:
        float: the mean over classes of the val AP, in %, of the classes
        with a val positive.
    """
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, val_x = (train_x - mean) / std, (val_x - mean) / std
    generator = torch.Generator().manual_seed(seed)
    weight = (torch.randn(train_x.shape[1], train_y.shape[1],
                          generator=generator) * 0.01).requires_grad_()
    bias = torch.zeros(train_y.shape[1], requires_grad=True)
    optimiser = torch.optim.Adam([weight, bias], lr=lr,
                                 weight_decay=weight_decay)
    targets = train_y.float()
    for _ in range(steps):
        optimiser.zero_grad()
        loss = F.binary_cross_entropy_with_logits(train_x @ weight + bias,
                                                  targets)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        scores = (val_x @ weight + bias).double().numpy()
    aps = per_class_average_precision(scores,
                                      np.where(val_y.numpy() > 0, 1, -1))
    return 100 * float(np.nanmean(aps))


def scene_features(cfg: Config, model, split: str,
                   num_images: int) -> Tuple[torch.Tensor, ...]:
    """Frozen features, CLIP-alone scores and full labels of ``num_images``
    scenes of ``split``, through the config's test pipeline.

    Returns:
        tuple: global [N, D], patches (mean, max) [N, 2D], CLIP-alone
        scores [N, C], labels [N, C].
    """
    global_feats, patch_feats, scores, labels = [], [], [], []
    for dataset, indices, data in scene_batches(cfg, model, split,
                                                num_images, batch_size=100):
        with torch.no_grad():
            feats = model.image_encoder(data['inputs'])
            out = model(data['inputs'], data['data_samples'], mode='predict')
        dense = feats.dense_feat  # [B, N, D]
        global_feats.append(feats.global_feat)
        patch_feats.append(torch.cat([dense.mean(1), dense.amax(1)], 1))
        scores.append(torch.stack([s.pred_score for s in out]))
        labels += [
            torch.as_tensor(dataset.get_data_info(i)['full_label'] == 1)
            for i in indices
        ]
    return (torch.cat(global_feats), torch.cat(patch_feats),
            torch.cat(scores), torch.stack(labels).float())


def main(argv=None):
    args, cfg = parse_scenes_args(__doc__.split('\n\n')[0], argv,
                                  num_train=4000, num_val=1000, steps=300)
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model).eval()
    train = scene_features(cfg, model, 'train', args.num_train)
    val = scene_features(cfg, model, 'val', args.num_val)
    labels = val[3]
    clip_alone = per_class_average_precision(
        val[2].double().numpy(), np.where(labels.numpy() > 0, 1, -1))
    rows = [
        ('prevalence (a random scorer)', 100 * float(labels.mean())),
        ('CLIP alone (the config\'s fixed prompts)',
         100 * float(np.nanmean(clip_alone))),
    ]
    for name, k in (('linear probe, global', 0),
                    ('linear probe, patches (mean, max)', 1)):
        rows.append((name, linear_probe_map(train[k], train[3], val[k],
                                            labels, steps=args.steps)))
    lines = [f'| features | val mAP ({args.num_val} scenes; probes trained '
             f'on {args.num_train} with every label) |', '|---|---|']
    lines += [f'| {name} | {value:.2f} |' for name, value in rows]
    print('\n' + '\n'.join(lines))
    return rows


if __name__ == '__main__':
    main()
