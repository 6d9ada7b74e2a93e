from . import classifiers, clip, heads, losses, prompts  # noqa: F401
