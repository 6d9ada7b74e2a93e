"""Tiny COCO 2014 and VOCdevkit trees in the official on-disk formats.

Used by the dataset tests and by the tests of the check scripts. Expected
labels are spelled out in the tests, not derived from these writers.
"""
import json

import cv2
import numpy as np
from mmengine.runner import Runner

# COCO: categories listed out of id order, ids with gaps as in the real file.
COCO_CATEGORIES = [(18, 'dog'), (1, 'person'), (3, 'car')]
# Images in file order (not sorted by id); 25 has no annotation.
COCO_IMAGES = {'train': [42, 9, 100, 25, 7], 'val': [3, 1]}
# (image id, category id, iscrowd) in file order.
COCO_ANNOTATIONS = {
    'train': [(100, 1, 0), (9, 3, 0), (42, 18, 0), (9, 1, 0), (7, 3, 1),
              (100, 18, 0), (7, 1, 0), (9, 3, 0)],
    'val': [(1, 18, 0), (3, 1, 0), (3, 18, 0)],
}

# VOC: image id -> objects (raw name, <difficult> text or None for no tag,
# part names nested in the object).
VOC_OBJECTS = {
    # VOC2007 trainval, listed in this (unsorted) order.
    '000012': [('car', '0', ()), ('person', '1', ('head', 'hand'))],
    '000005': [('chair', '0', ()), ('chair', '1', ()),
               ('diningtable', '1', ())],
    '000009': [('horse', '0', ()), ('person', '0', ('head', )),
               ('person', '1', ())],
    '000017': [('pottedplant', None, ()), ('tvmonitor', '0', ())],
    # VOC2007 test.
    '000001': [('dog', '0', ()), ('person', '0', ('foot', ))],
    '000002': [('train', '0', ())],
    # VOC2012 train; 2008_000002 has only a difficult object.
    '2008_000008': [('horse', '0', ()), ('person', '0', ())],
    '2007_000032': [('aeroplane', '0', ()), ('person', '1', ())],
    '2008_000002': [('bottle', '1', ())],
    '2007_000027': [('person', '0', ())],
    # VOC2012 val.
    '2007_000033': [('aeroplane', '0', ()), ('aeroplane', '1', ())],
    '2007_000042': [('train', '0', ())],
}
VOC_LISTS = {
    'VOC2007': {
        'trainval': ['000012', '000005', '000009', '000017'],
        'test': ['000001', '000002'],
    },
    'VOC2012': {
        'train': ['2008_000008', '2007_000032', '2008_000002',
                  '2007_000027'],
        'val': ['2007_000033', '2007_000042'],
    },
}
VOC_RAW = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
           'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike',
           'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')


def write_image(path, seed: int) -> None:
    """Write a tiny 10x12 JPEG with a colour derived from ``seed``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = [(37 * seed + 11 * c) % 256 for c in range(3)]
    cv2.imwrite(str(path), np.full((10, 12, 3), colour, np.uint8))


def coco_file_name(split: str, image_id: int) -> str:
    return f'COCO_{split}2014_{image_id:012d}.jpg'


def write_coco(root):
    """Write ``annotations/instances_{split}2014.json`` and the images."""
    (root / 'annotations').mkdir(parents=True, exist_ok=True)
    for split, image_ids in COCO_IMAGES.items():
        annotations = [
            dict(id=1000 + i, image_id=image_id, category_id=category_id,
                 iscrowd=iscrowd, area=12.5, bbox=[1.0, 2.0, 3.0, 4.0],
                 segmentation=[[1.0, 2.0, 3.0, 2.0, 3.0, 4.0]])
            for i, (image_id, category_id, iscrowd) in enumerate(
                COCO_ANNOTATIONS[split])
        ]
        content = dict(
            info=dict(description='tiny COCO'),
            images=[
                dict(id=image_id, file_name=coco_file_name(split, image_id),
                     width=12, height=10) for image_id in image_ids
            ],
            annotations=annotations,
            categories=[
                dict(supercategory='thing', id=cat_id, name=name)
                for cat_id, name in COCO_CATEGORIES
            ])
        (root / 'annotations' / f'instances_{split}2014.json').write_text(
            json.dumps(content))
        for image_id in image_ids:
            write_image(root / f'{split}2014' /
                        coco_file_name(split, image_id), image_id)
    return root


def voc_xml(image_id: str, objects) -> str:
    """An annotation XML in the VOC layout."""
    parts = [f'<annotation><folder>VOC</folder>'
             f'<filename>{image_id}.jpg</filename>'
             '<size><width>12</width><height>10</height><depth>3</depth>'
             '</size><segmented>0</segmented>']
    for name, difficult, part_names in objects:
        flag = ('' if difficult is None else
                f'<difficult>{difficult}</difficult>')
        nested = ''.join(f'<part><name>{part}</name><bndbox><xmin>1</xmin>'
                         '</bndbox></part>' for part in part_names)
        parts.append(f'<object>\n  <name>{name}</name><pose>Left</pose>'
                     f'<truncated>0</truncated>{flag}<bndbox><xmin>1</xmin>'
                     f'<ymin>1</ymin><xmax>5</xmax><ymax>6</ymax></bndbox>'
                     f'{nested}</object>')
    return '\n'.join(parts) + '</annotation>\n'


def class_list_value(objects, raw_name: str) -> int:
    """VOC per-class list value: 1 present, 0 only difficult, -1 absent."""
    flags = [difficult for name, difficult, _ in objects if name == raw_name]
    if any(flag != '1' for flag in flags):
        return 1
    return 0 if flags else -1


def write_voc(root, year: str = 'VOC2007'):
    """Write ``VOCdevkit/<year>`` with XMLs, lists and images.

    Returns:
        pathlib.Path: The year folder (the dataset's ``data_root``).
    """
    year_root = root / 'VOCdevkit' / year
    main = year_root / 'ImageSets' / 'Main'
    main.mkdir(parents=True)
    (year_root / 'Annotations').mkdir()
    for split, image_ids in VOC_LISTS[year].items():
        (main / f'{split}.txt').write_text(''.join(f'{i}\n'
                                                   for i in image_ids))
        for raw_name in VOC_RAW:
            # The official files pad the label to two characters.
            lines = [
                f'{i} {class_list_value(VOC_OBJECTS[i], raw_name):>2}\n'
                for i in image_ids
            ]
            (main / f'{raw_name}_{split}.txt').write_text(''.join(lines))
        for seed, image_id in enumerate(image_ids):
            (year_root / 'Annotations' / f'{image_id}.xml').write_text(
                voc_xml(image_id, VOC_OBJECTS[image_id]))
            write_image(year_root / 'JPEGImages' / f'{image_id}.jpg', seed)
    return year_root


def observed_through_dataloader(dataset, num_workers: int) -> list:
    """``(img_id, observed labels)`` of every sample, read by a DataLoader.

    Args:
        dataset: A built dataset whose pipeline packs ``observed_label`` and
            keeps ``img_id`` in the meta keys.
        num_workers (int): DataLoader worker processes.
    """
    loader = Runner.build_dataloader(
        dict(
            batch_size=2,
            num_workers=num_workers,
            dataset=dataset,
            sampler=dict(type='DefaultSampler', shuffle=False)))
    seen = []
    for batch in loader:
        for sample in batch['data_samples']:
            seen.append((sample.img_id,
                         np.asarray(sample.observed_label).tolist()))
    return seen
