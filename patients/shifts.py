"""The ward's 8 h shifts (06–14, 14–22, 22–06; clinical-rules.md §6: fluid balance every
shift), pure Python: the bedside fluid balance and the monitor's work list read the same
definition (``therapy.rules.monitoring`` re-exports it)."""

from datetime import datetime, timedelta
from typing import Final

SHIFT_START_HOURS: Final = (6, 14, 22)
SHIFT_LENGTH: Final = timedelta(hours=8)


def shift_bounds(local_now: datetime) -> tuple[datetime, datetime]:
    """The ward shift holding ``local_now``, an aware local time: (start, end)."""
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [midnight + timedelta(hours=h - 24) for h in SHIFT_START_HOURS]
    starts += [midnight + timedelta(hours=h) for h in SHIFT_START_HOURS]
    start = max(s for s in starts if s <= local_now)
    return start, start + SHIFT_LENGTH
