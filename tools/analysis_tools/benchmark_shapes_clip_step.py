"""Time training steps of the shapes CLIP's pretraining recipe.

Builds the recipe's model (``configs/demo/shapes_clip_pretrain.py``), one
batch of its captioned scenes, and times forward + backward + AdamW steps,
with captions trimmed to the batch's longest (as the recipe) and, for
comparison, over the full 77-token context:

    python tools/analysis_tools/benchmark_shapes_clip_step.py --repeats 5
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def time_steps(model, data, repeats, full_context):
    """Median seconds of one training step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    captions = [s.caption for s in data['data_samples']]
    times = []
    for _ in range(repeats + 1):  # the first step warms up
        start = time.perf_counter()
        if full_context:
            images = F.normalize(model.clip.encode_image(data['inputs']), -1)
            texts = F.normalize(model.clip.encode_text(
                model.tokenizer(captions)), -1)
            scale = model.clip.logit_scale.exp()
            loss = model.loss_module(images, texts, scale)
        else:
            loss = model(**data, mode='loss')['loss_con']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[repeats // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()

    from mmpretrain.registry import DATASETS, MODELS
    from mmengine.registry import init_default_scope

    import mmpretrain_mlr  # noqa: F401
    from mmpretrain_mlr.models.clip.shapes_clip import load_recipe

    init_default_scope('mmpretrain')
    cfg = load_recipe()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    loader = cfg.train_dataloader
    dataset = DATASETS.build(dict(loader.dataset,
                                  num_images=loader.batch_size))
    items = [dataset[i] for i in range(len(dataset))]
    data = model.data_preprocessor(
        dict(inputs=[it['inputs'] for it in items],
             data_samples=[it['data_samples'] for it in items]),
        training=True)
    print(f'batch {loader.batch_size}, {torch.get_num_threads()} threads')
    trimmed = time_steps(model, data, args.repeats, full_context=False)
    full = time_steps(model, data, args.repeats, full_context=True)
    print('| captions | s / step |\n|---|---|')
    print(f'| trimmed to the longest in the batch | {trimmed:.3f} |')
    print(f'| full 77-token context | {full:.3f} |')
    steps = cfg.train_cfg.max_epochs * -(-loader.dataset.num_images //
                                         loader.batch_size)
    print(f'recipe: {steps} steps, {steps * trimmed:.0f} s of steps')


if __name__ == '__main__':
    main()
