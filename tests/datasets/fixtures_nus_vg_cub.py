"""Tiny NUS-WIDE, Visual Genome (VG-200) and CUB-200-2011 trees in the
official on-disk formats.

Used by the dataset tests and by the tests of the check scripts. Expected
labels are spelled out in the tests, not derived from these writers.
"""
import json

import cv2
import numpy as np

# ---------------------------------------------------------------- NUS-WIDE
NUS_CONCEPTS = ['ocean', 'military', 'nighttime', 'sky']
# 1,000 tags in the real TagList1k.txt; 'ocean' and 'sky' are concepts.
NUS_TAGS = ['beach', 'ocean', 'nikon', 'sky', 'sunset', 'water']
# Windows paths, as in ImageList/{Train,Test}Imagelist.txt.
NUS_LISTS = {
    'Train': ['actor\\0001_11.jpg', 'beach\\0002_12.jpg', 'sky\\0003_13.jpg',
              'beach\\0004_14.jpg', 'zebra\\0005_15.jpg'],
    'Test': ['sky\\0006_16.jpg', 'actor\\0007_17.jpg', 'ocean\\0008_18.jpg'],
}
# Rows follow the lists, columns NUS_CONCEPTS.
NUS_CONCEPT_LABELS = {
    'Train': [[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 0],
              [0, 0, 0, 0]],
    'Test': [[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0]],
}
# Rows follow the lists, columns NUS_TAGS.
NUS_TAG_LABELS = {
    'Train': [[1, 1, 0, 0, 0, 1], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 1, 0],
              [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]],
    'Test': [[0, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 1]],
}
# ImageList/Imagelist.txt order (all images) for AllTags1k.txt.
NUS_ALL_ORDER = [('Test', 2), ('Train', 0), ('Train', 1), ('Test', 0),
                 ('Train', 2), ('Train', 3), ('Test', 1), ('Train', 4)]


def write_image(path, value=0):
    """Write a tiny 8x10 JPEG (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((8, 10, 3), value, np.uint8))


def write_lines(path, lines, newline='\n'):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(''.join(f'{line}{newline}' for line in lines).encode())


def write_nus_wide(root):
    """Write the NUS-WIDE files and images under ``root``; return root."""
    write_lines(root / 'Concepts81.txt', NUS_CONCEPTS, '\r\n')
    write_lines(root / 'NUS_WID_Tags' / 'TagList1k.txt', NUS_TAGS)
    for split, entries in NUS_LISTS.items():
        write_lines(root / 'ImageList' / f'{split}Imagelist.txt', entries,
                    '\r\n')
        labels = np.array(NUS_CONCEPT_LABELS[split])
        for col, concept in enumerate(NUS_CONCEPTS):
            name = f'Labels_{concept}_{split}.txt'
            write_lines(root / 'Groundtruth' / 'TrainTestLabels' / name,
                        labels[:, col])
        # Tab-separated rows with a trailing tab, as in the .dat files.
        write_lines(root / 'NUS_WID_Tags' / f'{split}_Tags1k.dat',
                    ['\t'.join(map(str, row)) + '\t'
                     for row in NUS_TAG_LABELS[split]])
        for i, entry in enumerate(entries):
            write_image(root / 'Flickr' / entry.replace('\\', '/'), 20 * i)
    write_lines(root / 'ImageList' / 'Imagelist.txt', [
        'C:\\ImageData\\Flickr\\' + NUS_LISTS[split][i]
        for split, i in NUS_ALL_ORDER
    ])
    write_lines(root / 'NUS_WID_Tags' / 'AllTags1k.txt', [
        ' '.join(map(str, NUS_TAG_LABELS[split][i]))
        for split, i in NUS_ALL_ORDER
    ])
    return root


# ------------------------------------------------------------ Visual Genome
VG_CLASSES = ['man', 'window', 'tree']
VG_LISTS = {
    'train': ['2328403.jpg', '1592810.jpg', '61605.jpg', '2336863.jpg'],
    'test': ['498046.jpg', '2389780.jpg'],
}
# Label indices per image; 7 is a category beyond the first three.
VG_LABELS = {
    '2328403.jpg': [0, 2], '1592810.jpg': [], '61605.jpg': [1],
    '2336863.jpg': [2, 0, 1], '498046.jpg': [1], '2389780.jpg': [0, 7],
    '12345.jpg': [2],  # not listed
}
# Images in the second folder of the Visual Genome 1.2 download.
VG_SECOND_FOLDER = {'61605.jpg', '2389780.jpg'}


def write_visual_genome(root):
    """Write the VG-200 lists, label files and images; return root."""
    for split, names in VG_LISTS.items():
        write_lines(root / f'{split}_list_500.txt', names)
        for name in names:
            folder = 'VG_100K_2' if name in VG_SECOND_FOLDER else 'VG_100K'
            write_image(root / folder / name, 50)
    labels_200 = {name: [i for i in indices if i < 3]
                  for name, indices in VG_LABELS.items()}
    (root / 'vg_category_200_labels_index.json').write_text(
        json.dumps(labels_200))
    (root / 'vg_category_500_labels_index.json').write_text(
        json.dumps(VG_LABELS))
    write_lines(root / 'vg_classes.txt', VG_CLASSES)
    return root


# --------------------------------------------------------------------- CUB
CUB_ATTRIBUTES = ['has_bill_shape::curved_(up_or_down)',
                  'has_wing_color::blue', 'has_size::large_(16_-_32_in)',
                  'has_shape::perching-like']
# image id -> (path under images/, is_training_image), images.txt order.
CUB_IMAGES = {
    1: ('001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg', 0),
    2: ('001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.jpg', 1),
    3: ('002.Laysan_Albatross/Laysan_Albatross_0002_1027.jpg', 1),
    4: ('002.Laysan_Albatross/Laysan_Albatross_0003_1033.jpg', 0),
    5: ('003.Sooty_Albatross/Sooty_Albatross_0001_1071.jpg', 1),
}
# image id -> is_present per attribute.
CUB_PRESENT = {
    1: [1, 0, 0, 1], 2: [0, 1, 0, 0], 3: [1, 1, 1, 0], 4: [0, 0, 0, 0],
    5: [0, 0, 1, 1],
}
# (image id, attribute id) whose line has extra fields, as a few real
# lines do.
CUB_LONG_LINE = (3, 2)


def write_cub(parent):
    """Write ``parent/attributes.txt`` and ``parent/CUB_200_2011/...`` as
    CUB_200_2011.tgz unpacks; return the CUB_200_2011 folder."""
    root = parent / 'CUB_200_2011'
    write_lines(parent / 'attributes.txt',
                [f'{i} {name}' for i, name in enumerate(CUB_ATTRIBUTES, 1)])
    write_lines(root / 'images.txt',
                [f'{i} {path}' for i, (path, _) in CUB_IMAGES.items()])
    write_lines(root / 'train_test_split.txt',
                [f'{i} {train}' for i, (_, train) in CUB_IMAGES.items()])
    lines = []
    for image_id, present in CUB_PRESENT.items():
        for attribute_id, value in enumerate(present, 1):
            line = f'{image_id} {attribute_id} {value} 3 12.5'
            if (image_id, attribute_id) == CUB_LONG_LINE:
                line += ' 0 7.25'
            lines.append(line)
    write_lines(root / 'attributes' / 'image_attribute_labels.txt', lines)
    for i, (path, _) in CUB_IMAGES.items():
        write_image(root / 'images' / path, 30 * i)
    return root
