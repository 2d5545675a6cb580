"""The one narrow hook by which ``patients`` tells the monitor that something was recorded.

``patients`` never imports ``therapy``. ``therapy`` registers a listener at start-up
(``TherapyConfig.ready``); services call :func:`notify_monitor` inside their transaction and the
listener runs only once that transaction has committed, so the monitor never sees a record
that was rolled back.
"""

import logging
import uuid
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[uuid.UUID, str], None]
_listeners: list[Listener] = []


def register_monitor(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def notify_monitor(*, patient_id: uuid.UUID, reason: str) -> None:
    """Call after writing a record about a patient; the listeners run on commit."""

    def deliver() -> None:
        for listener in _listeners:
            try:
                listener(patient_id, reason)
            except Exception:
                # The record is committed and safe; the monitor's sweep catches up later.
                logger.exception("monitor listener failed patient=%s reason=%s", patient_id, reason)

    transaction.on_commit(deliver)
