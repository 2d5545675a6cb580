"""Template filters over the one wording module (``therapy.pages.wording``): rule codes in
words wherever a template would otherwise print a code."""

from collections.abc import Iterable
from typing import Any

from django import template

from therapy.pages.wording import criterion_name, time_words

register = template.Library()


@register.filter
def criterion_names(codes: Iterable[str] | None) -> str:
    """Hold reasons (rule codes) as words: "Heart rate 100–130 /min, Urine 80–160 mL in 8 h"."""
    return ", ".join(criterion_name(str(code)) for code in codes or [])


@register.filter
def local_time(value: Any) -> str:
    """A stored time (ISO text or datetime) in the site's time: "04:57", another day "3 Mar
    04:57"."""
    return time_words(value)
