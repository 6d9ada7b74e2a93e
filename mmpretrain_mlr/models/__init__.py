from . import (classifiers, clip, heads, layers, losses,  # noqa: F401
               pretrainers, prompts, utils)
