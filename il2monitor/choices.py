"""Django choices built from the pure vocabularies, so each vocabulary is declared once.

The members and values are the pure enum's (``patients.vocabulary``, ``patients.news2``,
``therapy.rules.inputs``); the Django side adds only the labels, the words shown to people.
A member without a label, or a label for no member, stops the import (and so every test).
"""

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import models

_E = TypeVar("_E", bound=StrEnum)

# Django documents the functional form, ``TextChoices(name, members)``; django-stubs types only
# the member lookup, so the call is typed here once.
_functional = cast(Callable[..., type[models.TextChoices]], models.TextChoices)


def text_choices(
    name: str, vocabulary: type[_E], labels: Mapping[_E, str], *, module: str
) -> type[models.TextChoices]:
    """A ``TextChoices`` class named ``name`` with ``vocabulary``'s members (names, values and
    order) and ``labels``' words. ``module`` is the defining module's ``__name__``, so the class
    pickles and imports by its dotted path (drf-spectacular's enum names)."""
    missing = [member.name for member in vocabulary if member not in labels]
    unknown = [repr(key) for key in labels if key not in vocabulary._value2member_map_]
    if missing or unknown:
        raise ImproperlyConfigured(
            f"{name}: labels must name each member of {vocabulary.__name__} once"
            + (f"; no label for {', '.join(missing)}" if missing else "")
            + (f"; a label for no member: {', '.join(unknown)}" if unknown else "")
        )
    members = [(member.name, (member.value, labels[member])) for member in vocabulary]
    return _functional(name, members, module=module, qualname=name)
