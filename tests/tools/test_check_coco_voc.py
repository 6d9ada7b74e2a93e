"""tools/dataset_converters/check_coco.py and check_voc.py.

The scripts run in-process through ``main(argv)``; one run of each goes
through a subprocess to check the command line and the exit status.
"""
import importlib
import os.path as osp
import re

import pytest

from tests.datasets.fixtures_coco_voc import (coco_file_name, write_coco,
                                              write_voc)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT_DIR = osp.join(REPO_ROOT, 'tools', 'dataset_converters')


@pytest.fixture
def scripts(monkeypatch):
    """The two script modules (they import their sibling check_utils)."""
    monkeypatch.syspath_prepend(SCRIPT_DIR)
    return (importlib.import_module('check_coco'),
            importlib.import_module('check_voc'))


def run(script, argv, capsys):
    code = script.main([str(arg) for arg in argv])
    return code, capsys.readouterr().out


def class_row(out, name):
    """The counts printed for class ``name`` in the per-class table."""
    match = re.search(rf'^{name} +([\d ]+)$', out, re.MULTILINE)
    assert match, f'no row for {name!r} in\n{out}'
    return [int(cell) for cell in match.group(1).split()]


def test_check_coco_complete_download(tmp_path, scripts, capsys):
    root = write_coco(tmp_path)
    code, out = run(scripts[0], [root], capsys)
    assert code == 0, out
    assert '[train] ' in out and ': 5 images listed, 4 with at least one ' \
        'object, 3 categories' in out
    assert '5 of 5 images found and decoded, 0 missing, 0 unreadable' in out
    assert '[val] ' in out and '2 of 2 images found and decoded' in out
    # Columns: train, val.
    assert class_row(out, 'person') == [3, 1]
    assert class_row(out, 'car') == [2, 0]
    assert class_row(out, 'dog') == [2, 2]
    assert out.rstrip().endswith('OK: all annotation files and images are '
                                 'present.')


def test_check_coco_reports_missing_and_broken_images(tmp_path, scripts,
                                                      capsys):
    root = write_coco(tmp_path)
    missing = root / 'train2014' / coco_file_name('train', 25)
    broken = root / 'train2014' / coco_file_name('train', 9)
    missing.unlink()
    broken.write_bytes(b'\xff\xd8\xff\xe0 not really a jpeg')
    code, out = run(scripts[0], [root, '--splits', 'train'], capsys)
    assert code == 1
    assert '4 of 5 images found and decoded, 1 missing, 1 unreadable' in out
    assert str(missing) in out and str(broken) in out
    assert 'FAILED' in out and '[val]' not in out
    # Without decoding, only the missing file is a problem.
    code, out = run(scripts[0], [root, '--no-decode'], capsys)
    assert code == 1
    assert '4 of 5 images found, 1 missing, 0 unreadable' in out
    missing.write_bytes(broken.read_bytes())
    assert run(scripts[0], [root, '--no-decode'], capsys)[0] == 0


def test_check_coco_missing_annotation_file(tmp_path, scripts, capsys):
    root = write_coco(tmp_path)
    (root / 'annotations' / 'instances_val2014.json').unlink()
    code, out = run(scripts[0], [root], capsys)
    assert code == 1
    assert re.search(r"\[val\] error: .*instances_val2014.json' does not "
                     'exist', out)
    assert '5 of 5 images found' in out  # train is still checked
    assert class_row(out, 'person') == [3]


def test_check_voc_complete_download(tmp_path, scripts, capsys):
    root = write_voc(tmp_path, 'VOC2007')
    code, out = run(scripts[1], [root, '--workers', '2'], capsys)
    assert code == 0, out
    assert 'trainval.txt: 4 images listed, 4 annotations found' in out
    assert 'test.txt: 2 images listed, 2 annotations found' in out
    assert '4 of 4 images found and decoded' in out
    # Columns: trainval pos, trainval diff, test pos, test diff.
    assert class_row(out, 'person') == [1, 1, 1, 0]
    assert class_row(out, 'dining table') == [0, 1, 0, 0]
    assert class_row(out, 'chair') == [1, 0, 0, 0]
    assert class_row(out, 'tv monitor') == [1, 0, 0, 0]
    assert 'OK: all lists, annotations and images are present.' in out


def test_check_voc_class_lists(tmp_path, scripts, capsys):
    root = write_voc(tmp_path, 'VOC2012')
    code, out = run(scripts[1], [root, '--label-source', 'class_lists',
                                 '--no-decode'], capsys)
    assert code == 0, out
    assert '<class>_train.txt: 3 images with a positive class' in out
    assert '3 of 3 images found, 0 missing' in out
    # Columns: train pos, train diff, val pos, val diff.
    assert class_row(out, 'person') == [2, 1, 0, 0]
    assert class_row(out, 'aeroplane') == [1, 0, 1, 0]


def test_check_voc_reports_missing_files(tmp_path, scripts, capsys):
    root = write_voc(tmp_path, 'VOC2007')
    (root / 'Annotations' / '000005.xml').unlink()
    (root / 'JPEGImages' / '000017.jpg').unlink()
    (root / 'JPEGImages' / '000002.jpg').unlink()
    code, out = run(scripts[1], [root, '--no-decode'], capsys)
    assert code == 1
    assert 'trainval.txt: 4 images listed, 3 annotations found' in out
    assert str(root / 'Annotations' / '000005.xml') in out
    assert '3 of 4 images found, 1 missing' in out
    assert str(root / 'JPEGImages' / '000017.jpg') in out
    assert str(root / 'JPEGImages' / '000002.jpg') in out
    assert 'FAILED' in out
    code, out = run(scripts[1], [root, '--splits', 'val'], capsys)
    assert code == 1 and re.search(r"\[val\] error: .*val.txt' does not "
                                   'exist', out)
    code, out = run(scripts[1], [tmp_path / 'VOCdevkit'], capsys)
    assert code == 1 and 'none of the lists' in out


@pytest.mark.parametrize('index, option', [(0, '--splits'),
                                           (1, '--label-source')])
def test_help(scripts, capsys, index, option):
    with pytest.raises(SystemExit) as exit_info:
        scripts[index].main(['--help'])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert '--no-decode' in out and option in out and 'Exit status 1' in out


def test_script_runs_from_the_command_line(tmp_path, run_tool):
    root = write_coco(tmp_path)
    (root / 'val2014' / coco_file_name('val', 3)).unlink()
    proc = run_tool('tools/dataset_converters/check_coco.py', root,
                    '--no-decode', check=False)
    assert proc.returncode == 1, proc.stderr
    assert '1 of 2 images found, 1 missing' in proc.stdout
