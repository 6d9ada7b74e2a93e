"""A resumed run ends exactly as the uninterrupted one (CPU)."""
import shutil

import pytest

from .conftest import assert_same_weights, final_metrics

WORKERS = ['train_dataloader.num_workers=2',
           'train_dataloader.persistent_workers=False']


@pytest.fixture(scope='session')
def uninterrupted_with_workers(rel_config, run_tool, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('uninterrupted_workers')
    run_tool('tools/train.py', rel_config, '--work-dir', work_dir,
             '--cfg-options', *WORKERS)
    return work_dir


@pytest.mark.parametrize('workers', [False, True], ids=['main', 'workers'])
def test_resume_from_epoch_2_matches_uninterrupted(rel_config, run_tool,
                                                   tmp_path, request,
                                                   workers):
    reference = request.getfixturevalue(
        'uninterrupted_with_workers' if workers else 'uninterrupted')
    shutil.copy(reference / 'epoch_2.pth', tmp_path / 'epoch_2.pth')
    options = ['--cfg-options', *WORKERS] if workers else []
    proc = run_tool('tools/train.py', rel_config, '--work-dir', tmp_path,
                    '--resume', tmp_path / 'epoch_2.pth', *options)
    assert 'resumed epoch: 2, iter: 8' in proc.stdout + proc.stderr
    assert final_metrics(tmp_path) == final_metrics(reference)
    assert_same_weights(tmp_path / 'epoch_3.pth', reference / 'epoch_3.pth')
