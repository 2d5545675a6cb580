"""Times relative to the moment a test runs, for parametrize tables.

A table at module level is built when pytest collects the module; a time computed there is
already minutes old when a slow run reaches the test (a "10 minutes ahead" value is no longer
in the future). ``FromNow`` stores only the offset; the test turns it into a time.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class FromNow:
    minutes: float = 0
    hours: float = 0
    days: float = 0

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def aware(self) -> datetime:
        return timezone.now() + self.delta

    def iso(self) -> str:
        return self.aware().isoformat()

    def local_input(self) -> str:
        """As a datetime-local form field holds it, in the site's time zone."""
        return (timezone.localtime() + self.delta).strftime("%Y-%m-%dT%H:%M")

    def local_date(self) -> date:
        return timezone.localdate() + self.delta

    def __str__(self) -> str:
        total = self.delta.total_seconds() / 60
        return f"now{total:+g}min"


def as_iso(values: dict[str, Any]) -> dict[str, Any]:
    """A payload with every ``FromNow`` as an ISO 8601 string with its offset."""
    return {k: v.iso() if isinstance(v, FromNow) else v for k, v in values.items()}


def as_local_input(values: dict[str, Any]) -> dict[str, Any]:
    """Form data with every ``FromNow`` as a datetime-local value."""
    return {k: v.local_input() if isinstance(v, FromNow) else v for k, v in values.items()}


def as_aware(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.aware() if isinstance(v, FromNow) else v for k, v in values.items()}
