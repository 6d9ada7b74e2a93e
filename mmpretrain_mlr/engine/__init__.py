"""Runner components: hooks and the runner the configs select."""
from . import hooks  # noqa: F401
from .runner import PortableRunner  # noqa: F401
