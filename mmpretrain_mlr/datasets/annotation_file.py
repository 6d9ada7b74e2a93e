"""MultiLabelAnnotationDataset: images and labels from a user-written file."""
import json
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import exists, get_text, join_path
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset, normalise_image_key


@DATASETS.register_module()
class MultiLabelAnnotationDataset(BaseMultiLabelDataset):
    """Multi-label dataset read from a JSON or text annotation file.

    JSON (``.json``)::

        {"classes": ["person", "dog", ...],
         "images": [{"img_path": "a/b.jpg", "labels": ["dog", "person"]},
                    {"img_path": "a/c.jpg", "labels": [3, 7]}, ...]}

    Text (any other extension), one image per line, a TAB between the path
    and a comma-separated list of labels (an empty list means no positive;
    blank lines are skipped)::

        a/b.jpg<TAB>dog,person
        a/c.jpg<TAB>3,7
        a/d.jpg<TAB>

    Labels are class names or integer indices into the class list (a token
    equal to a class name is read as that name). Classes listed in the file
    are negative for an image unless named. The class list comes from the
    JSON ``classes`` field or the ``classes`` argument (a list, or a file with
    one name per line); when both are given they must agree. Image paths are
    relative to ``data_root``/``data_prefix``; the path as written is the
    image key (``img_id``). An image listed twice, also under two spellings
    of its path (``img0.jpg`` and ``./img0.jpg``), is an error. Load the
    images with ``LoadImageFromFile`` in the pipeline.

    Args:
        ann_file (str): The annotation file, relative to ``data_root``.
        classes (str | Sequence[str], optional): Class names or a classes
            file. Defaults to None (the JSON ``classes`` field).
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``data_root``, ``data_prefix``, ``pipeline``, ``test_mode``,
            ...).
    """

    def __init__(self,
                 ann_file: str,
                 classes=None,
                 **kwargs):
        super().__init__(ann_file=ann_file, classes=classes, **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Parse the annotation file.

        Returns:
            tuple: N data infos (``img_path``, ``img_id``) and the [N, C]
            int8 full labels.
        """
        if not exists(self.ann_file):
            raise FileNotFoundError(f'annotation file {self.ann_file!r} does '
                                    'not exist')
        text = get_text(self.ann_file)
        if self.ann_file.lower().endswith('.json'):
            entries = self._parse_json(text)
        else:
            entries = self._parse_text(text)
        classes = self.CLASSES
        if not classes:
            raise ValueError(f'{self.ann_file!r}: no class list; add a '
                             '"classes" field (JSON) or give `classes` in the '
                             'config')
        class_to_idx = {name: i for i, name in enumerate(classes)}
        data_list, seen = [], {}
        full = -np.ones((len(entries), len(classes)), dtype=np.int8)
        for row, (where, rel_path, labels) in enumerate(entries):
            same = normalise_image_key(rel_path)
            if same in seen:
                first_where, first_path = seen[same]
                spelled = '' if first_path == rel_path else \
                    f' as {first_path!r} (the same file)'
                raise ValueError(f'{self.ann_file!r} {where}: image '
                                 f'{rel_path!r} already listed at '
                                 f'{first_where}{spelled}')
            seen[same] = (where, rel_path)
            for label in labels:
                full[row, self._label_index(label, class_to_idx, where)] = 1
            data_list.append(
                dict(img_path=join_path(self.img_prefix, rel_path),
                     img_id=rel_path))
        return data_list, full

    def _label_index(self, label, class_to_idx: dict, where: str) -> int:
        """Resolve a class name or index to a column index."""
        num_classes = len(class_to_idx)
        if isinstance(label, str) and label in class_to_idx:
            return class_to_idx[label]
        if isinstance(label, str) and label.lstrip('-').isdigit():
            label = int(label)
        if isinstance(label, bool) or not isinstance(label, int):
            raise ValueError(f'{self.ann_file!r} {where}: unknown class '
                             f'{label!r}; expected a name from '
                             f'{list(class_to_idx)} or an index in '
                             f'[0, {num_classes})')
        if not 0 <= label < num_classes:
            raise ValueError(f'{self.ann_file!r} {where}: class index '
                             f'{label} out of range [0, {num_classes})')
        return label

    def _parse_json(self, text: str) -> List[tuple]:
        """Read the JSON format into ``(where, img_path, labels)`` tuples."""
        try:
            content = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f'{self.ann_file!r} is not valid JSON: '
                             f'{err}') from err
        if not isinstance(content, dict) or not isinstance(
                content.get('images'), list):
            raise ValueError(f'{self.ann_file!r}: expected an object with an '
                             '"images" list')
        if 'classes' in content:
            self._merge_classes(content['classes'])
        entries = []
        for i, image in enumerate(content['images']):
            where = f'images[{i}]'
            if not isinstance(image, dict) or not isinstance(
                    image.get('img_path'), str) or not image['img_path']:
                raise ValueError(f'{self.ann_file!r} {where}: expected an '
                                 'object with a non-empty "img_path" string')
            labels = image.get('labels', [])
            if not isinstance(labels, list):
                raise ValueError(f'{self.ann_file!r} {where}.labels: expected '
                                 f'a list, got {labels!r}')
            entries.append((where, image['img_path'], labels))
        return entries

    def _parse_text(self, text: str) -> List[tuple]:
        """Read the text format into ``(where, img_path, labels)`` tuples."""
        entries = []
        for line_no, line in enumerate(text.splitlines(), start=1):
            line = line.rstrip('\r\n')
            if not line.strip():
                continue
            where = f'line {line_no}'
            fields = line.split('\t')
            if len(fields) > 2:
                raise ValueError(f'{self.ann_file!r} {where}: expected '
                                 "'<image path><TAB><labels>', found "
                                 f'{len(fields) - 1} TABs')
            rel_path = fields[0].strip()
            if not rel_path:
                raise ValueError(f'{self.ann_file!r} {where}: empty image '
                                 'path')
            labels = []
            if len(fields) == 2 and fields[1].strip():
                labels = [token.strip() for token in fields[1].split(',')]
            if '' in labels:
                raise ValueError(f'{self.ann_file!r} {where}: empty label in '
                                 f'{fields[1]!r}')
            entries.append((where, rel_path, labels))
        return entries

    def _merge_classes(self, file_classes) -> None:
        """Take the file's class list, checking it against the config's."""
        if not isinstance(file_classes, list) or not all(
                isinstance(name, str) for name in file_classes):
            raise ValueError(f'{self.ann_file!r} classes: expected a list of '
                             f'strings, got {file_classes!r}')
        config_classes: Optional[Sequence[str]] = self.CLASSES
        if config_classes and list(config_classes) != file_classes:
            raise ValueError(f'{self.ann_file!r} classes {file_classes} '
                             'differ from the configured classes '
                             f'{list(config_classes)}')
        self._metainfo['classes'] = tuple(file_classes)
