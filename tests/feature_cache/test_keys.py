"""The cache key follows the code that computes a feature: an edit of the
source that defines the encoder (or a class it derives from) changes it."""
import importlib
import sys

from mmpretrain_mlr.feature_cache import keys
from mmpretrain_mlr.models.clip.image_encoder import CLIPImageEncoder

ENCODER_SOURCE = '''
from mmpretrain_mlr.models.clip.image_encoder import CLIPImageEncoder


class EditedEncoder(CLIPImageEncoder):
    """An encoder defined in a file of the package."""

    SCALE = {scale}
'''


def test_the_code_digest_follows_the_source_of_the_classes(tmp_path,
                                                           monkeypatch):
    # a module inside the package's namespace, so that it counts as ours
    import mmpretrain_mlr
    folder = tmp_path / 'mmpretrain_mlr'
    folder.mkdir()
    monkeypatch.setattr(mmpretrain_mlr, '__path__',
                        list(mmpretrain_mlr.__path__) + [str(folder)])
    module_file = folder / 'edited_encoder.py'

    def digest_of(scale):
        module_file.write_text(ENCODER_SOURCE.format(scale=scale))
        sys.modules.pop('mmpretrain_mlr.edited_encoder', None)
        module = importlib.import_module('mmpretrain_mlr.edited_encoder')
        encoder = module.EditedEncoder.__new__(module.EditedEncoder)
        return keys.code_digest(encoder)

    first = digest_of(1.0)
    assert digest_of(1.0) == first  # the same source, the same digest
    assert digest_of(2.0) != first  # one edited character
    sys.modules.pop('mmpretrain_mlr.edited_encoder', None)
    # the base class's file counts as well: it differs from the base alone
    base = keys.code_digest(CLIPImageEncoder.__new__(CLIPImageEncoder))
    assert base not in (first, digest_of(1.0))


def test_the_description_carries_the_format_and_the_code():
    description = keys.describe(
        encoder='E', depth=None, weights='w', code='c', preprocessor={},
        transforms=[], view=dict(kind='test', view=0), images='i',
        input_shape=[3, 8, 8], dtype='float32')
    assert description['format'] == keys.FORMAT_VERSION
    other = dict(description, code='d')
    assert keys.cache_key(other) != keys.cache_key(description)
