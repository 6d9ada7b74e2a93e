"""compare_variants.py: every preset builds, the child configs swap exactly
what a variant names, command-line variants parse as --cfg-options, and
runs are summarised from their scalars.json records."""
import os.path as osp

import pytest
import torch
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'resnet_shapes_single_positive.py')
TRM_DEMO = osp.join(REPO, 'configs', 'demo', 'trm_ml_shapes.py')
DUALCOOP_DEMO = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')
TOOL = 'compare_variants'  # the `script` fixture (conftest.py)


def test_training_set_stats_of_the_demo(script):
    from mmengine.config import Config
    presets = script.variant_presets
    num_samples, num_classes, num_pos = presets.training_set_stats(
        Config.fromfile(DEMO))
    # 2,000 rendered images, 20 % held out: round(0.2 * 2000) = 400
    assert (num_samples, num_classes) == (1600, 10)
    assert 1 < num_pos < 6


def test_every_loss_preset_builds_from_its_child_config(script):
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO)
    variant_presets = script.variant_presets
    presets = variant_presets.loss_presets(num_samples=1600, num_classes=10,
                                           expected_num_pos=2.8, max_epochs=10)
    assert {'full labels', 'AN', 'ROLE', 'EM', 'EM+APL', 'LL-R', 'LL-Ct',
            'LL-Cp', 'SPLC'} <= set(presets)
    # LL's rate reaches (k - 1) / C by the last epoch
    assert presets['LL-R']['delta_rel'] == pytest.approx(1.8 / 10 / 10)
    for name, loss in presets.items():
        child = script.child_config(
            DEMO, variant_presets.loss_variant(cfg, name, loss))
        assert child.model.head.loss == loss  # replaced, not merged
        protocol = child.train_dataloader.dataset.label_protocol
        assert (protocol is None) == (name == 'full labels')
        MODELS.build(child.model.head.loss)
        if name == 'EM+APL':  # the authors' end-of-epoch inference pass
            hook = child.custom_hooks[-1]
            assert hook.type == 'TrainingSetInferenceHook'
            assert hook.dataloader.dataset.holdout.part == 'train'
            assert not hook.dataloader.sampler.shuffle
            assert {'SetEpochHook', 'BestAndLastHook'} <= {
                h.type for h in child.custom_hooks}
        if name == 'ROLE':
            keys = child.optim_wrapper.paramwise_cfg.custom_keys
            assert keys['loss_module.label_logits']['lr_mult'] == 10


def test_trm_ablations_and_a_baseline_config(script, tmp_path):
    args = script.parse_args([
        TRM_DEMO, '--preset', 'trm_ablation', '--variant', 'DualCoOp',
        f'_config_={DUALCOOP_DEMO}', 'train_cfg.max_epochs=3',
        '--cfg-options', 'train_cfg.max_epochs=6', 'randomness.seed=1'
    ])
    variants = script.collect_variants(args)
    assert list(variants)[0] == 'TRM-ML' and 'DualCoOp' in variants
    # common options under each variant's own
    assert variants['DualCoOp']['train_cfg.max_epochs'] == 3
    assert variants['TRM-ML'] == {'train_cfg.max_epochs': 6,
                                  'randomness.seed': 1}
    full = script.child_config(TRM_DEMO, variants['TRM-ML'])
    no_proto = script.child_config(
        TRM_DEMO, variants['w/o prototypes / pseudo-labels'])
    assert full.model.head.prototypes.type == 'CategoryPrototypes'
    assert no_proto.model.head.prototypes is None
    assert no_proto.model.head.distillation == full.model.head.distillation
    coop = script.child_config(TRM_DEMO, variants['CoOp text side'])
    assert coop.model.prompt_learner == dict(type='CoOpPromptLearner',
                                             n_ctx=8)
    baseline = script.child_config(
        TRM_DEMO, dict(variants['DualCoOp'], **{script.PROTOCOL_P: 0.1}))
    assert baseline.model.head.type == 'DualCoOpHead'
    assert baseline.train_dataloader.dataset.label_protocol.p == 0.1
    assert baseline.train_cfg.max_epochs == 3
    baseline.dump(str(tmp_path / 'config.py'))  # a child is written whole
    with pytest.raises(SystemExit, match='unknown variants'):
        script.collect_variants(script.parse_args(
            [TRM_DEMO, '--preset', 'trm_ablation', '--only', 'nothing']))


def test_sigrl_ablations_build_heads_that_score(script):
    """Each SigRL ablation is a valid head (the switches that depend on
    each other are set together) and the distillation-free one drops the
    teacher."""
    from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
    demo = 'configs/demo/sigrl_shapes_zsl.py'
    variants = script.collect_variants(
        script.parse_args([demo, '--preset', 'sigrl_ablation']))
    assert len(variants) == 6
    feats = ClassifierFeatures(
        ImageFeatures(torch.randn(2, 64), torch.randn(2, 4, 64)),
        torch.nn.functional.normalize(torch.randn(1, 5, 64), dim=-1))
    for name, options in variants.items():
        child = script.child_config(demo, options)
        head = MODELS.build(dict(child.model.head, embed_dim=64))
        assert head(feats).shape == (2, 5), name
        if name == 'w/o distillation':
            assert child.model.teacher_image_encoder is None
            assert not head.needs_teacher


def test_runs_are_summarised_from_their_records(script):
    records = [
        {'step': 1, 'multi-label/mAP': 50.0},
        {'step': 2, 'train/pseudo_pos': 3.0, 'train/pseudo_neg': 40.0,
         'train/pseudo_pos_precision': 66.7},
        {'step': 2, 'multi-label/mAP': 61.0},
        {'step': 3, 'multi-label/mAP': 61.0},
        {'step': 3, 'lr': 0.1},
    ]
    row = script.summarise_run(records, 'multi-label/mAP')
    assert row == dict(best=61.0, best_epoch=2, last=61.0, pseudo_pos=3.0,
                       pseudo_neg=40.0, pseudo_pos_precision=66.7)
    with pytest.raises(RuntimeError, match="no 'ssgrl/mAP'"):
        script.summarise_run(records, 'ssgrl/mAP')


def test_table_format_and_average(script):
    rows = [dict(variant='AN, p = 0.1', best=57.371, best_epoch=5,
                 last=56.08, test=56.43, seconds=74.2),
            dict(variant='AN, p = 0.5', best=60.0, best_epoch=3, last=59.0,
                 test=58.43, seconds=70.0)]
    rows.append(script.average_row(rows, 'AN, average'))
    lines = script.format_table(rows).splitlines()
    assert lines[0] == ('| variant | val, best (epoch) | val, last | '
                        'test at best val epoch | time (s) |')
    assert lines[2] == '| AN, p = 0.1 | 57.37 (5) | 56.08 | 56.43 | 74 |'
    assert lines[-1] == '| AN, average | 58.69 | 57.54 | 57.43 | 72 |'


def test_seed_rows_give_mean_and_sample_std(script):
    runs = [dict(variant='x', best=60.0, best_epoch=3, last=58.0,
                 seconds=10.0),
            dict(variant='x', best=62.0, best_epoch=5, last=61.0,
                 seconds=12.0),
            dict(variant='x', best=64.0, best_epoch=4, last=61.0,
                 seconds=14.0)]
    row = script.seed_row(runs, 'TRM-ML, p = 0.1')
    assert row['seeds'] == 3 and 'best_epoch' not in row
    assert row['best'] == pytest.approx(62.0)
    assert row['best_std'] == pytest.approx(2.0)  # sqrt(8 / 2)
    assert row['last'] == pytest.approx(60.0)
    assert row['last_std'] == pytest.approx(3 ** 0.5)  # sqrt(6 / 2)
    line = script.format_table([row]).splitlines()[-1]
    assert line == '| TRM-ML, p = 0.1 | 62.00 ± 2.00 | 60.00 ± 1.73 | 12 ± 2 |'
    # one seed has no spread to report: its own figures, no '± 0.00'
    one = script.seed_row(runs[:1], 'TRM-ML')
    assert one['seeds'] == 1 and not [k for k in one if k.endswith('_std')]
    line = script.format_table([one]).splitlines()[-1]
    assert line == '| TRM-ML | 60.00 (3) | 58.00 | 10 |'


def test_seeds_run_every_variant_and_ratio_with_its_seed(script, tmp_path,
                                                         monkeypatch):
    seen = []

    def fake_train(name, cfg, run_dir, metric, test, *extra):
        seen.append((name, cfg.randomness.seed,
                     cfg.train_dataloader.dataset.label_protocol.p))
        seed, p = cfg.randomness.seed, cfg.train_dataloader.dataset \
            .label_protocol.p
        return dict(variant=name, best=10 * p + seed, best_epoch=1,
                    last=10 * p, seconds=1.0)

    monkeypatch.setattr(script, 'train_variant', fake_train)
    demo = osp.join(script.REPO_ROOT, 'configs', 'demo',
                    'dualcoop_shapes.py')
    rows = script.compare(demo, {'A': {}}, str(tmp_path), [0.1, 0.5], None,
                          False, seeds=[0, 1, 2])
    assert [s[1:] for s in seen] == [(0, 0.1), (1, 0.1), (2, 0.1),
                                     (0, 0.5), (1, 0.5), (2, 0.5)]
    assert seen[0][0] == 'A, p = 0.1, seed 0'
    assert [r['variant'] for r in rows] == ['A, p = 0.1', 'A, p = 0.5',
                                            'A, average']
    # per seed s: best = 10 p + s; average over p = 3 + s -> mean 4, std 1
    assert rows[0]['best'] == pytest.approx(2.0)
    assert rows[-1]['best'] == pytest.approx(4.0)
    assert rows[-1]['best_std'] == pytest.approx(1.0)
    assert rows[-1]['last_std'] == pytest.approx(0.0)
