from . import (classifiers, clip, heads, losses, pretrainers,  # noqa: F401
               prompts)
