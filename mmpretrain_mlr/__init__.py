"""mmpretrain-mlr: multi-label recognition with incomplete labels on CLIP.

Importing the package registers every component into mmpretrain's registries
(``MODELS``, ``DATASETS``, ``METRICS``, ``HOOKS``, ...). Configs load it with::

    custom_imports = dict(imports=['mmpretrain_mlr'],
                          allow_failed_imports=False)
"""
import re
import warnings

from .utils.mmcv_check import require_mmcv

require_mmcv()
# mmcv-lite has no compiled ops; mmcv says so on every import of its
# transformer bricks, which this package never uses.
warnings.filterwarnings(
    'ignore',
    message=re.escape('Fail to import ``MultiScaleDeformableAttention'))

from . import datasets, engine, evaluation, models, utils  # noqa: E402,F401
from .utils.package_files import register_model_index  # noqa: E402

# mmpretrain.list_models / get_model know this package's configs
register_model_index()
from .apis import inference_model  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'inference_model']
