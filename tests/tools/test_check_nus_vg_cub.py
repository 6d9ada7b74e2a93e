"""check_nus_wide.py, check_visual_genome.py and check_cub.py on tiny trees.

The scripts run in-process through their ``main(argv)``; they import their
sibling modules, so their folder goes on ``sys.path``.
"""
import os.path as osp
import sys

import pytest

from tests.datasets.fixtures_nus_vg_cub import (write_cub, write_nus_wide,
                                                write_visual_genome)

CONVERTERS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools',
    'dataset_converters')
sys.path.insert(0, CONVERTERS)

import check_cub  # noqa: E402
import check_nus_wide  # noqa: E402
import check_visual_genome  # noqa: E402


def class_row(out, name):
    """The counts printed on the class table row of ``name``."""
    rows = [line.split() for line in out.splitlines()
            if line.startswith(name + ' ') or line.startswith(name + '\t')]
    assert len(rows) == 1, out
    return [int(cell) for cell in rows[0][len(name.split()):]]


@pytest.mark.parametrize('script', [check_nus_wide, check_visual_genome,
                                    check_cub])
def test_help(script, capsys):
    with pytest.raises(SystemExit) as exit_info:
        script.main(['--help'])
    assert exit_info.value.code == 0
    assert '--no-decode' in capsys.readouterr().out


def test_nus_wide_ok_counts_and_missing(tmp_path, capsys):
    root = write_nus_wide(tmp_path / 'nus')
    assert check_nus_wide.main([str(root)]) == 0
    out = capsys.readouterr().out
    assert '[train] 5 images listed, 2 without a positive class' in out
    assert '[train] note: the official list has 161789 images' in out
    assert '[test] 3 of 3 images found and decoded, 0 missing' in out
    # ocean: 2 train, 1 test positives; nighttime: 1 and 1.
    assert class_row(out, 'ocean') == [2, 1]
    assert class_row(out, 'nighttime') == [1, 1]
    assert 'OK:' in out

    (root / 'Flickr' / 'sky' / '0003_13.jpg').unlink()
    (root / 'Flickr' / 'sky' / '0006_16.jpg').write_bytes(b'not a jpeg')
    assert check_nus_wide.main([str(root)]) == 1
    out = capsys.readouterr().out
    assert '[train] 4 of 5 images found and decoded, 1 missing' in out
    assert '0003_13.jpg' in out
    assert '[test] 3 of 3 images found and decoded, 0 missing, ' \
        '1 unreadable' in out
    assert 'FAILED' in out
    assert check_nus_wide.main([str(root), '--no-decode', '--splits',
                                'test']) == 0


def test_nus_wide_zero_shot(tmp_path, capsys):
    root = write_nus_wide(tmp_path / 'nus')
    argv = [str(root), '--zero-shot', '--no-decode', '--tag-labels-file',
            'NUS_WID_Tags/AllTags1k.txt', '--tag-image-list',
            'ImageList/Imagelist.txt']
    assert check_nus_wide.main(argv) == 0
    out = capsys.readouterr().out
    # beach (seen tag): 2 train, 1 test; sky (concept): 1 and 1.
    assert class_row(out, 'beach') == [2, 1]
    assert class_row(out, 'sky') == [1, 1]
    (root / 'NUS_WID_Tags' / 'TagList1k.txt').unlink()
    assert check_nus_wide.main(argv) == 1
    assert "[train] error: NUS-WIDE tag list" in capsys.readouterr().out


def test_nus_wide_bad_root(tmp_path, capsys):
    assert check_nus_wide.main([str(tmp_path / 'absent')]) == 1
    assert 'is not a folder' in capsys.readouterr().out


def test_visual_genome(tmp_path, capsys):
    root = write_visual_genome(tmp_path / 'vg')
    argv = [str(root), '--classes', str(root / 'vg_classes.txt')]
    assert check_visual_genome.main(argv) == 0
    out = capsys.readouterr().out
    assert '[train] 4 images listed, 1 without a positive class' in out
    assert class_row(out, 'tree') == [2, 0]
    assert class_row(out, 'man') == [2, 1]
    (root / 'VG_100K_2' / '2389780.jpg').unlink()
    assert check_visual_genome.main(argv) == 1
    out = capsys.readouterr().out
    assert '[test] 1 of 2 images found and decoded, 1 missing' in out
    assert 'VG_100K/2389780.jpg' in out
    # Without names the label indices are the class names.
    assert check_visual_genome.main([str(root), '--num-classes', '3',
                                     '--splits', 'train']) == 0
    assert class_row(capsys.readouterr().out, '2') == [2]


def test_cub(tmp_path, capsys):
    root = write_cub(tmp_path)
    assert check_cub.main([str(root)]) == 0
    out = capsys.readouterr().out
    assert '[train] 3 images listed' in out
    assert '[test] 2 of 2 images found and decoded' in out
    assert class_row(out, 'large (16 - 32 in) size') == [2, 0]
    assert class_row(out, 'curved (up or down) bill shape') == [1, 1]
    (root / 'train_test_split.txt').write_text('1 0\n')
    assert check_cub.main([str(root), '--no-decode']) == 1
    assert 'train_test_split.txt' in capsys.readouterr().out
