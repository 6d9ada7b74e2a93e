"""Argument checks that name the component, the field and what was
expected."""
from typing import Iterable


def check_choice(owner: str, field: str, value, choices: Iterable) -> None:
    """Raise a ValueError unless ``value`` is one of ``choices``.

    Args:
        owner (str): The component being configured, e.g.
            ``'COCOMultiLabel'`` (empty for none).
        field (str): The argument name.
        value: The value given.
        choices (Iterable): The allowed values.
    """
    choices = list(choices)
    if value not in choices:
        prefix = f'{owner}: ' if owner else ''
        raise ValueError(f'{prefix}`{field}` must be one of {choices}, got '
                         f'{value!r}')
