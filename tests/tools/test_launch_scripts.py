"""slurm_train.sh / slurm_test.sh assemble the srun command (srun replaced
by a recorder on PATH), and the launchers reject missing arguments."""
import os
import os.path as osp
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_script(name, args, tmp_path):
    fake = tmp_path / 'srun'
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', GPUS='4')
    return subprocess.run(['bash', osp.join(REPO, 'tools', name)] + args,
                          capture_output=True, text=True, env=env)


@pytest.mark.parametrize('name, args, expected', [
    ('slurm_train.sh', ['p', 'job', 'c.py', 'wd', '--amp'],
     'train.py c.py --work-dir=wd --amp --launcher=slurm'),
    ('slurm_test.sh', ['p', 'job', 'c.py', 'ck.pth', '--out', 'o.pkl'],
     'test.py c.py ck.pth --out o.pkl --launcher=slurm'),
])
def test_slurm_command(name, args, expected, tmp_path):
    proc = run_script(name, args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith('-p p --job-name=job --gres=gpu:8 --ntasks=4 ')
    assert line.endswith(expected)


@pytest.mark.parametrize('name, args', [
    ('slurm_train.sh', ['p', 'job', 'c.py']),
    ('slurm_test.sh', ['p', 'job']),
    ('dist_train.sh', ['c.py']),
    ('dist_test.sh', ['c.py', 'ck.pth']),
])
def test_missing_arguments_print_usage(name, args, tmp_path):
    proc = run_script(name, args, tmp_path)
    assert proc.returncode == 2 and 'usage:' in proc.stderr
