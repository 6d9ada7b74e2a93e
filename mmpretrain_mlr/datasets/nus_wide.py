"""NUS-WIDE: the 81 human-labelled concepts and the 925 / 81 zero-shot
split."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import exists, join_path
from mmengine.logging import MMLogger
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.text_files import (parse_int_row, read_lines, read_text,
                                resolve_path)
from ..utils.vocabulary import read_name_list, select_columns
from ..utils.checks import check_choice

NUS_WIDE_SPLITS = {'train': 'Train', 'test': 'Test'}
NUS_WIDE_VOCABULARIES = ('seen', 'unseen', 'all')


def nus_relative_path(entry: str) -> str:
    """The POSIX path ``<concept folder>/<file>`` of a NUS-WIDE list entry.

    The official lists write Windows paths: ``actor\\0001_2124494179.jpg`` in
    ``{Train,Test}Imagelist.txt`` and, in some copies,
    ``C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg``; both become
    ``actor/0001_2124494179.jpg``.
    """
    parts = [part for part in entry.strip().replace('\\', '/').split('/')
             if part]
    return '/'.join(parts[-2:])


# ---------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------
@DATASETS.register_module()
class NUSWIDEMultiLabel(BaseMultiLabelDataset):
    """NUS-WIDE with the 81 human-labelled concepts (official split).

    Reads the official files (NUS-WIDE web page: ``ImageList.zip``,
    ``ConceptsList.zip``, ``Groundtruth.zip``) under ``data_root``::

        Concepts81.txt                      one concept per line = columns
        ImageList/{Train,Test}Imagelist.txt 161,789 / 107,859 lines like
                                            actor\\0001_2124494179.jpg
        Groundtruth/TrainTestLabels/Labels_<concept>_{Train,Test}.txt
                                            one 0/1 per line, aligned with
                                            the image list of the split
        Flickr/<concept folder>/<file>.jpg  the images (``data_prefix``)

    The split lists and the ``Flickr/`` image folder are read the same way
    by LESA (``hbdat/cvpr20_LESA``,
    ``extract_data/extract_full_NUS_WIDE_images_VGG_feature_2_TFRecord.py``:
    ``ImageList/{Train,Test}Imagelist.txt`` with ``\\`` turned into ``/``,
    images under ``data/NUS_WIDE/Flickr/``) and by Cole et al.
    (``elijahcole/single-positive-multi-label``, ``datasets.py``: images
    under ``data/nuswide/Flickr``). Canonical order is the order of the image
    list. The list paths, made POSIX, are the image keys (``img_id``).

    Label values other than 0 and 1 are read as "not positive" (as the
    published loaders do when they test ``== 1``), with a warning: one such
    value (``-1130179``) is reported in ``Labels_lake_Train.txt``.

    Papers drop the images without any positive concept
    (``drop_unlabeled=True``); the counts above are those of the lists.
    Many Flickr images are no longer available: see ``missing_images`` and
    ``tools/dataset_converters/check_nus_wide.py``.

    The concept names are used as class names (prompt text) as they are:
    DualCoOp's NUS-WIDE class list (``nuswide_classname_synonyms``, first
    synonym of each) is the raw ``Concepts81.txt`` list.

    Args:
        data_root (str): The NUS-WIDE folder.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        drop_unlabeled (bool): Drop images with no positive among the
            classes. Defaults to True.
        classes (Sequence[str] | str, optional): A subset of the concepts
            (names, or a file with one per line), in the column order
            wanted. Defaults to None (all 81, file order).
        concepts_file (str): The concept list. Defaults to
            ``'Concepts81.txt'``.
        image_list_file (str): The image list; ``{split}`` becomes ``Train``
            or ``Test``. Defaults to ``'ImageList/{split}Imagelist.txt'``.
        labels_dir (str): Folder of ``Labels_<concept>_{Train,Test}.txt``.
            Defaults to ``'Groundtruth/TrainTestLabels'``.
        data_prefix (str | dict): Folder of the images. Defaults to
            ``'Flickr'``.
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``pipeline``, ``test_mode``, ...). Paths are relative to
            ``data_root`` unless absolute.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 drop_unlabeled: bool = True,
                 classes=None,
                 concepts_file: str = 'Concepts81.txt',
                 image_list_file: str = 'ImageList/{split}Imagelist.txt',
                 labels_dir: str = 'Groundtruth/TrainTestLabels',
                 data_prefix='Flickr',
                 **kwargs):
        check_choice(type(self).__name__, 'split', split, NUS_WIDE_SPLITS)
        if not data_root or not exists(data_root):
            raise FileNotFoundError(f'{type(self).__name__}: data_root '
                                    f'{data_root!r} does not exist')
        self.split = split
        self.drop_unlabeled = drop_unlabeled
        self.concepts_file = concepts_file
        self.image_list_file = image_list_file
        self.labels_dir = labels_dir
        self._select_classes = classes is not None
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            **kwargs)

    # -- files ---------------------------------------------------------------
    def _path(self, path: str) -> str:
        return resolve_path(self.data_root, path.format(
            split=NUS_WIDE_SPLITS[self.split]))

    def read_image_list(self) -> Tuple[str, List[str]]:
        """Return the image list file and its POSIX relative paths."""
        path = self._path(self.image_list_file)
        return path, [nus_relative_path(entry)
                      for _, entry in read_lines(path, 'NUS-WIDE image list')]

    def read_concept_labels(self, concept: str, list_file: str,
                            num_images: int) -> np.ndarray:
        """[N] bool: where ``Labels_<concept>_<Split>.txt`` holds a 1."""
        name = f'Labels_{concept}_{NUS_WIDE_SPLITS[self.split]}.txt'
        path = join_path(self._path(self.labels_dir), name)
        text = read_text(path, f'label file of concept {concept!r}')
        count = len(text.split())
        if count != num_images:
            raise ValueError(
                f'{path!r} holds {count} labels, the image list '
                f'{list_file!r} has {num_images} images (one label per line '
                'expected)')
        values = parse_int_row(text, num_images, repr(path))
        odd = np.flatnonzero((values != 0) & (values != 1))
        if odd.size:
            MMLogger.get_current_instance().warning(
                f'{path!r}: {odd.size} labels are neither 0 nor 1 (first: '
                f'{values[odd[0]]} at line {odd[0] + 1}); read as not '
                'positive')
        return values == 1

    def read_concepts(self) -> List[str]:
        """The 81 concept names of ``concepts_file``."""
        return read_name_list(self._path(self.concepts_file),
                              'NUS-WIDE concept list')

    def vocabulary_names(self) -> List[str]:
        """The class names (prompt text) from the concept list alone, for
        models to read without loading the labels."""
        concepts = self.read_concepts()
        requested = self.CLASSES if self._select_classes else None
        columns = select_columns(concepts, requested,
                                 repr(self._path(self.concepts_file)))
        return [concepts[i] for i in columns]

    # -- labels --------------------------------------------------------------
    def _set_classes(self, vocabulary: Sequence[str], source: str) -> list:
        """Pick the classes from a vocabulary; return their positions."""
        requested = self.CLASSES if self._select_classes else None
        columns = select_columns(vocabulary, requested, source)
        self._metainfo['classes'] = tuple(vocabulary[i] for i in columns)
        return columns

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Read the image list and the labels of the selected concepts.

        Returns:
            tuple: N data infos (``img_path``, ``img_id``) and the [N, C]
            int8 full labels in ±1.
        """
        concepts = self.read_concepts()
        columns = self._set_classes(concepts, repr(self._path(
            self.concepts_file)))
        list_file, paths = self.read_image_list()
        full = -np.ones((len(paths), len(columns)), dtype=np.int8)
        for col, index in enumerate(columns):
            positive = self.read_concept_labels(concepts[index], list_file,
                                                len(paths))
            full[positive, col] = 1
        return self._to_data_list(paths, full)

    def _to_data_list(self, paths: List[str],
                      full: np.ndarray) -> Tuple[List[dict], np.ndarray]:
        """Build the data infos, dropping unlabeled rows if asked to."""
        rows = np.arange(len(paths))
        if self.drop_unlabeled:
            rows = np.flatnonzero((full == 1).any(axis=1))
        data_list = [
            dict(img_path=join_path(self.img_prefix, paths[row]),
                 img_id=paths[row]) for row in rows
        ]
        return data_list, full[rows]

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        body = [f'Split: \t{self.split}',
                f'Drop unlabeled: \t{self.drop_unlabeled}']
        return body + self.label_repr()


@DATASETS.register_module()
class NUSWIDEZeroShot(NUSWIDEMultiLabel):
    """NUS-WIDE zero-shot split: 925 seen Flickr tags, 81 unseen concepts.

    The split of Zhang et al. (Fast0Tag, CVPR 2016) as prepared by LESA
    (``hbdat/cvpr20_LESA``,
    ``extract_data/extract_full_NUS_WIDE_images_VGG_feature_2_TFRecord.py``)
    and used by BiAM and MKT:

    - **unseen** (81): the concepts of ``Concepts81.txt``, file order, with
      the human labels of ``Groundtruth`` (LESA: "AllTags81 is collected
      from Flickr tags whereas Labels_{} is annotated by human").
    - **seen** (925): the tags of ``NUS_WID_Tags/TagList1k.txt`` that are not
      concepts, in ``TagList1k.txt`` order (75 of the 81 concepts are among
      the 1,000 tags), labelled by the Flickr tag matrix.
    - **all** (1,006): seen then unseen, the GZSL vocabulary (BiAM
      ``evaluate_nus.py``: ``torch.cat([vecs_925, vecs_81])``).

    Tag labels come from the official ``NUS_WID_Tags.zip``: one row of 1,000
    0/1 values per image (tabs or spaces), either per split
    (``Train_Tags1k.dat`` / ``Test_Tags1k.dat``, rows aligned with
    ``{Train,Test}Imagelist.txt``, as public zero-shot preprocessing
    scripts read them; the default) or for all images (``AllTags1k.txt``,
    rows aligned with
    ``ImageList/Imagelist.txt``, as LESA reads them: give
    ``tag_image_list_file``). MKT's ``Concepts925.txt`` (one tag per line)
    can be given as ``seen_tags_file``; its tags must be in the tag list.
    Only the files the vocabulary needs are read: ``'unseen'`` needs no tag
    files, ``'seen'`` no concept labels.

    BiAM evaluates ZSL and GZSL on the same test images, so
    ``drop_unlabeled`` defaults to False here; class names are the raw tags
    and concepts.

    Args:
        data_root (str): The NUS-WIDE folder.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        vocabulary (str): ``'seen'`` (925, training), ``'unseen'`` (81, ZSL
            test) or ``'all'`` (1,006, GZSL test). Defaults to ``'seen'``.
        drop_unlabeled (bool): Drop images with no positive among the
            classes. Defaults to False.
        tag_list_file (str): The 1,000 tags, one per line. Defaults to
            ``'NUS_WID_Tags/TagList1k.txt'``.
        tag_labels_file (str): The tag label rows; ``{split}`` becomes
            ``Train`` or ``Test``. Defaults to
            ``'NUS_WID_Tags/{split}_Tags1k.dat'``.
        tag_image_list_file (str, optional): The image list the rows of
            ``tag_labels_file`` follow (e.g. ``'ImageList/Imagelist.txt'``
            for ``AllTags1k.txt``); images are matched by their
            ``<folder>/<file>`` path. Defaults to None: the rows follow the
            split's image list.
        seen_tags_file (str, optional): The seen tags, one per line (e.g.
            ``'Concepts925.txt'``). Defaults to None: the tags of
            ``tag_list_file`` that are not concepts.
        **kwargs: Other arguments of :class:`NUSWIDEMultiLabel`
            (``classes`` selects a subset of the vocabulary,
            ``concepts_file``, ``image_list_file``, ``labels_dir``,
            ``data_prefix``, ``label_protocol``, ``missing_images``, ...).
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 vocabulary: str = 'seen',
                 drop_unlabeled: bool = False,
                 tag_list_file: str = 'NUS_WID_Tags/TagList1k.txt',
                 tag_labels_file: str = 'NUS_WID_Tags/{split}_Tags1k.dat',
                 tag_image_list_file: Optional[str] = None,
                 seen_tags_file: Optional[str] = None,
                 **kwargs):
        check_choice('NUSWIDEZeroShot', 'vocabulary', vocabulary,
                     NUS_WIDE_VOCABULARIES)
        self.vocabulary = vocabulary
        self.tag_list_file = tag_list_file
        self.tag_labels_file = tag_labels_file
        self.tag_image_list_file = tag_image_list_file
        self.seen_tags_file = seen_tags_file
        super().__init__(
            data_root=data_root,
            split=split,
            drop_unlabeled=drop_unlabeled,
            **kwargs)

    def read_vocabularies(self) -> Dict[str, List[str]]:
        """Read the seen and unseen vocabularies.

        Returns:
            dict: ``seen`` (the seen tags), ``unseen`` (the concepts),
            ``all`` (seen then unseen) and ``tags`` (the whole tag list, in
            the column order of the tag label rows).
        """
        unseen = self.read_concepts()
        tag_path = self._path(self.tag_list_file)
        tags = read_name_list(tag_path, 'NUS-WIDE tag list')
        if self.seen_tags_file is None:
            seen = [tag for tag in tags if tag not in set(unseen)]
        else:
            seen_path = self._path(self.seen_tags_file)
            seen = read_name_list(seen_path, 'NUS-WIDE seen tag list')
            select_columns(tags, seen, f'the tag list {tag_path!r}')
            overlap = sorted(set(seen) & set(unseen))
            if overlap:
                raise ValueError(f'seen tag list {seen_path!r} holds '
                                 f'concepts {overlap[:5]}; seen and unseen '
                                 'classes must be disjoint')
        return dict(seen=seen, unseen=unseen, all=seen + unseen, tags=tags)

    def vocabulary_names(self) -> List[str]:
        """The class names of the chosen ``vocabulary``, read from the tag
        and concept lists only (models take them as prompt text)."""
        return self.read_vocabularies()[self.vocabulary]

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Read the image list, tag labels and concept labels.

        Returns:
            tuple: N data infos (``img_path``, ``img_id``) and the [N, C]
            int8 full labels in ±1, columns in vocabulary order.
        """
        vocab = self.read_vocabularies()
        self.seen_classes = tuple(vocab['seen'])
        self.unseen_classes = tuple(vocab['unseen'])
        chosen = vocab[self.vocabulary]
        columns = self._set_classes(chosen, f'the {self.vocabulary!r} '
                                    'vocabulary')
        list_file, paths = self.read_image_list()
        full = -np.ones((len(paths), len(columns)), dtype=np.int8)
        num_seen = len(vocab['seen']) if self.vocabulary != 'unseen' else 0
        seen_cols = [(col, i) for col, i in enumerate(columns)
                     if i < num_seen]
        if seen_cols:
            tag_index = {tag: i for i, tag in enumerate(vocab['tags'])}
            positive = self.read_tag_labels(
                paths, list_file, len(vocab['tags']),
                [tag_index[chosen[i]] for _, i in seen_cols])
            for k, (col, _) in enumerate(seen_cols):
                full[positive[:, k], col] = 1
        for col, i in enumerate(columns):
            if i >= num_seen:
                positive = self.read_concept_labels(chosen[i], list_file,
                                                    len(paths))
                full[positive, col] = 1
        return self._to_data_list(paths, full)

    def read_tag_labels(self, paths: List[str], list_file: str,
                        num_tags: int, tag_columns: List[int]) -> np.ndarray:
        """[N, K] bool: where the tag label rows of ``paths`` hold a 1 in
        the K columns ``tag_columns`` of the ``num_tags``."""
        path = self._path(self.tag_labels_file)
        lines = read_lines(path, 'NUS-WIDE tag label file')
        if self.tag_image_list_file is None:
            row_of = list(range(len(paths)))
            rows_file, num_rows = list_file, len(paths)
        else:
            rows_file = self._path(self.tag_image_list_file)
            entries = read_lines(rows_file, 'NUS-WIDE image list')
            index = {nus_relative_path(entry): i
                     for i, (_, entry) in enumerate(entries)}
            missing = [p for p in paths if p not in index]
            if missing:
                raise ValueError(f'{len(missing)} images of {list_file!r} are '
                                 f'not in {rows_file!r}, e.g. {missing[0]!r}')
            row_of = [index[p] for p in paths]
            num_rows = len(entries)
        if len(lines) != num_rows:
            raise ValueError(f'{path!r} holds {len(lines)} rows, the image '
                             f'list {rows_file!r} has {num_rows} images (one '
                             'row per image expected)')
        positive = np.empty((len(paths), len(tag_columns)), dtype=bool)
        for out, row in enumerate(row_of):
            line_no, text = lines[row]
            values = parse_int_row(text, num_tags, f'{path!r} line {line_no}')
            positive[out] = values[tag_columns] == 1
        return positive

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [f'Vocabulary: \t{self.vocabulary}'] + super().extra_repr()
