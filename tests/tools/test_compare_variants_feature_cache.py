"""compare_variants.py --feature-cache: every run of a sweep gets one
FeatureCacheHook with the sweep's cache folder; runs start from the
preloaded interpreter unless --fresh-processes."""
import os.path as osp

TOOL = 'compare_variants'  # the `script` fixture (conftest.py)


def test_every_run_gets_the_shared_cache_hook(script, tmp_path, monkeypatch):
    seen = []

    def fake_train(name, cfg, run_dir, metric, test, *extra):
        seen.append([h for h in cfg.custom_hooks
                     if h['type'] == 'FeatureCacheHook'])
        return dict(variant=name, best=1.0, best_epoch=1, last=1.0,
                    seconds=1.0)

    monkeypatch.setattr(script, 'train_variant', fake_train)
    demo = osp.join(script.REPO_ROOT, 'configs', 'demo', 'trm_ml_shapes.py')
    cache = dict(mode='augmented', num_views=2, cache_dir=str(tmp_path))
    script.compare(demo, {'A': {}, 'B': {'model.head.matching': 'global'}},
                   str(tmp_path), [0.1, 0.5], None, False, seeds=[0, 1],
                   feature_cache=cache)
    assert len(seen) == 2 * 2 * 2
    assert all(hooks == [dict(type='FeatureCacheHook', **cache)]
               for hooks in seen)
    # the config's own hooks stay
    child = script.with_feature_cache(script.child_config(demo, {}), cache)
    assert [h['type'] for h in child.custom_hooks] == ['SetEpochHook',
                                                       'FeatureCacheHook']
    # no cache asked: the config as it is
    assert script.with_feature_cache(script.child_config(demo, {}),
                                     None).custom_hooks == [
                                         dict(type='SetEpochHook')]


def test_the_command_line_options(script, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(script, 'compare',
                        lambda *args: calls.append(args) or [])
    demo = osp.join(script.REPO_ROOT, 'configs', 'demo', 'trm_ml_shapes.py')
    script.main([demo, '--variant', 'A', '--work-dir', str(tmp_path),
                 '--feature-cache', 'augmented', '--feature-cache-views',
                 '3', '--fresh-processes'])
    assert calls[0][7] == dict(mode='augmented', num_views=3,
                                cache_dir=str(tmp_path / 'feature_cache'))
    assert script.LAUNCHER['preloaded'] is None
