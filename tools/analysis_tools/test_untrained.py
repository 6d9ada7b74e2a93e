"""Evaluate a config's model as it is built, without a checkpoint.

For models whose weights all come from the config itself, such as CLIP
scoring fixed prompts (the "CLIP alone", zero-shot row of a table):

    python tools/analysis_tools/test_untrained.py \
        configs/demo/zero_shot_shapes.py

Options as ``tools/test.py`` (``--work-dir``, ``--cfg-options``,
``--launcher``), without the checkpoint.
"""
import argparse
import os.path as osp
import sys

# tools/train.py puts the repository root on sys.path and imports the
# package; its helpers build the runner as tools/test.py does.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from train import (add_common_args, build_runner, load_config,  # noqa: E402
                   set_dataloader_defaults)


def main(argv=None):
    """Test the untrained model of a config; returns the test metrics."""
    parser = argparse.ArgumentParser(
        description='Evaluate the model of a config without a checkpoint')
    parser.add_argument('config', help='test config file path')
    add_common_args(parser)
    args = parser.parse_args(argv)
    cfg = load_config(parser, args)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.load_from = None
    missing = [key for key in ('test_dataloader', 'test_evaluator', 'test_cfg')
               if cfg.get(key) is None]
    if missing:
        parser.error(f'config {args.config!r} has no {missing}; testing needs '
                     'test_dataloader, test_evaluator and test_cfg')
    set_dataloader_defaults(cfg, ('test_dataloader', ))
    return build_runner(cfg).test()


if __name__ == '__main__':
    main()
