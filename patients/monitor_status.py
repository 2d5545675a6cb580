"""What the monitor says about whether it is watching a patient, for ``patients``' own pages
(the nurses' bedside ward list), through one narrow hook.

``patients`` never imports ``therapy``: ``therapy`` registers a provider at start-up
(``TherapyConfig.ready``), a function from patient ids to words ("Not monitored since 14:05 —
<reason>") for the patients it is not monitoring, read in one query for the whole list. The
hook points from ``patients`` to whoever registered, like :mod:`patients.monitor_hook`. With
no provider, or one that fails, the page says the monitor's status is unknown: it never
implies that a patient is monitored.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

Provider = Callable[[list[uuid.UUID]], dict[uuid.UUID, str]]
_providers: list[Provider] = []
UNKNOWN = "Monitor status unknown: it could not be read."


def register_status_provider(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def not_monitored_words(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Words for each of ``patient_ids`` the monitor is not watching; absent means watched."""
    if not patient_ids:
        return {}
    if not _providers:
        return dict.fromkeys(patient_ids, UNKNOWN)
    words: dict[uuid.UUID, str] = {}
    for provider in _providers:
        try:
            words.update(provider(patient_ids))
        except Exception as error:
            logger.error("monitor status provider failed (%s)", type(error).__name__)
            return dict.fromkeys(patient_ids, UNKNOWN)
    return words


def attach_monitor_words(stays: Iterable[Any]) -> list[Any]:
    """The open stays of a page, each with ``not_monitored`` set ("" while watched)."""
    stays = list(stays)
    words = not_monitored_words([stay.patient_id for stay in stays])
    for stay in stays:
        stay.not_monitored = words.get(stay.patient_id, "")
    return stays
