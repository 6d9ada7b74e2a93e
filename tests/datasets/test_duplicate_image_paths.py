"""One image listed twice under two spellings of its path (``a/1.jpg`` and
``./a/1.jpg``) is refused by every reader that takes path lists, as the
same spelling twice is; a CUB (image, attribute) pair given twice is an
error naming both lines."""
import json

import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets.multilabel_dataset import normalise_image_key
from tests.datasets.fixtures_coco_voc import write_coco
from tests.datasets.fixtures_nus_vg_cub import (write_cub, write_image,
                                                write_nus_wide,
                                                write_visual_genome)


@pytest.mark.parametrize('a, b', [
    ('img0.jpg', './img0.jpg'), ('a/img0.jpg', 'a//img0.jpg'),
    ('a/img0.jpg', './a/./img0.jpg'), ('img0.jpg', 'a/../img0.jpg')])
def test_two_spellings_of_one_path_normalise_alike(a, b):
    assert normalise_image_key(a) == normalise_image_key(b)


def test_different_files_stay_different():
    assert normalise_image_key('a/img0.jpg') != normalise_image_key(
        'img0.jpg')


# -- MultiLabelAnnotationDataset ------------------------------------------
@pytest.fixture
def ann_root(tmp_path):
    for name in ('img0.jpg', 'img1.jpg'):
        write_image(tmp_path / 'images' / name)
    return tmp_path


def build_annotations(root, name):
    return DATASETS.build(dict(
        type='MultiLabelAnnotationDataset', ann_file=name,
        data_root=str(root), data_prefix='images',
        classes=['cat', 'dog']))


def test_text_file_same_image_two_spellings(ann_root):
    (ann_root / 'ann.txt').write_text('img0.jpg\tcat\nimg1.jpg\t\n'
                                      './img0.jpg\tdog\n')
    with pytest.raises(ValueError, match=r"ann.txt' line 3: image "
                       r"'\./img0.jpg' already listed at line 1 as "
                       r"'img0.jpg'"):
        build_annotations(ann_root, 'ann.txt')


def test_json_file_same_image_two_spellings(ann_root):
    (ann_root / 'ann.json').write_text(json.dumps(dict(images=[
        dict(img_path='./img0.jpg', labels=['dog']),
        dict(img_path='img0.jpg', labels=['cat'])])))
    with pytest.raises(ValueError, match=r"images\[1\]: image 'img0.jpg' "
                       r"already listed at images\[0\] as '\./img0.jpg'"):
        build_annotations(ann_root, 'ann.json')


# -- the dataset readers (checked on the image keys) ------------------------
def test_nus_wide_image_list(tmp_path):
    root = write_nus_wide(tmp_path / 'nus')
    path = root / 'ImageList' / 'TrainImagelist.txt'
    lines = path.read_bytes().decode().split('\r\n')
    assert lines[0] == 'actor\\0001_11.jpg'
    lines[3] = '.\\actor\\0001_11.jpg'  # row 3 spells row 0's path
    path.write_bytes('\r\n'.join(lines).encode())
    # the reader makes the paths POSIX and normal itself; either way the
    # second listing is refused (row 1 has no label and is dropped)
    with pytest.raises(ValueError, match=r"'(\./)?actor/0001_11.jpg'.* "
                       r'appears twice: rows 0 .*and 2'):
        DATASETS.build(dict(type='NUSWIDEMultiLabel', data_root=str(root),
                            missing_images='unchecked'))


def test_visual_genome_image_list(tmp_path):
    root = write_visual_genome(tmp_path / 'vg')
    path = root / 'train_list_500.txt'
    names = path.read_text().splitlines()
    names.append('./' + names[0])
    path.write_text('\n'.join(names) + '\n')
    index = root / 'vg_category_200_labels_index.json'
    labels = json.loads(index.read_text())
    labels['./' + names[0]] = [1]
    index.write_text(json.dumps(labels))
    with pytest.raises(ValueError, match=rf"'\./{names[0]}'.* appears "
                       rf"twice: rows 0 \(as '{names[0]}'"):
        DATASETS.build(dict(type='VisualGenome200', data_root=str(root),
                            classes=['man', 'window', 'tree'],
                            missing_images='unchecked'))


def test_cub_image_list(tmp_path):
    root = write_cub(tmp_path)
    path = root / 'images.txt'
    lines = path.read_text().splitlines()
    first_id, first_path = lines[1].split()  # image id 2: a training image
    for i, line in enumerate(lines):
        image_id, _ = line.split()
        if image_id == '3':  # another training image
            lines[i] = f'3 ./{first_path}'
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=rf"'\./{first_path}'.* appears "
                       rf"twice: rows 0 \(as '{first_path}'"):
        DATASETS.build(dict(type='CUBAttributes', data_root=str(root),
                            missing_images='unchecked'))


def test_coco_file_names(tmp_path):
    root = write_coco(tmp_path / 'coco')
    path = root / 'annotations' / 'instances_train2014.json'
    content = json.loads(path.read_text())
    first = content['images'][0]['file_name']
    content['images'][1]['file_name'] = './' + first
    path.write_text(json.dumps(content))
    # images are sorted by id: the './' spelling comes first
    with pytest.raises(ValueError, match=rf"'{first}'.* appears twice: rows "
                       rf"\d+ \(as '\./{first}': the same file\)"):
        DATASETS.build(dict(type='COCOMultiLabel', data_root=str(root),
                            missing_images='unchecked'))


# -- CUB attribute labels ---------------------------------------------------
def test_cub_attribute_pair_given_twice_names_both_lines(tmp_path):
    root = write_cub(tmp_path)
    path = root / 'attributes' / 'image_attribute_labels.txt'
    lines = path.read_text().splitlines()
    image_id, attribute_id, present = lines[5].split()[:3]
    other = '0' if present == '1' else '1'
    lines.append(f'{image_id} {attribute_id} {other} 3 12.5')  # line N
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=rf'lines 6 and {len(lines)} both '
                       rf'label image id {image_id}, attribute id '
                       rf'{attribute_id}'):
        DATASETS.build(dict(type='CUBAttributes', data_root=str(root)))
