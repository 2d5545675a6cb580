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
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


# --- The nurse's work list (issue 14 item 3) ------------------------------------------------
@dataclass(frozen=True)
class WorkItem:
    """One thing due for a patient, in the monitor's words: what ("Vitals"), when ("due 14:05,
    every 15 min") and its status (``ok``, ``due``, ``overdue``, ``done``, ``upcoming``).
    What is due when is defined once in ``therapy.rules.monitoring``; the words come from
    ``therapy.pages.wording``; ``patients`` only shows them."""

    what: str
    when: str
    status: str


WorkListProvider = Callable[[list[uuid.UUID]], dict[uuid.UUID, list[WorkItem]]]
_work_list_providers: list[WorkListProvider] = []
WORK_LIST_UNKNOWN = WorkItem("Work list", "unknown: the monitor could not be read", "overdue")


def register_work_list_provider(provider: WorkListProvider) -> None:
    if provider not in _work_list_providers:
        _work_list_providers.append(provider)


def work_lists(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WorkItem]]:
    """What is due for each patient; with no provider, or a failing one, one item saying the
    list is unknown (never an empty list that reads as "nothing due")."""
    if not patient_ids:
        return {}
    unknown = {pk: [WORK_LIST_UNKNOWN] for pk in patient_ids}
    if not _work_list_providers:
        return unknown
    lists: dict[uuid.UUID, list[WorkItem]] = {}
    for provider in _work_list_providers:
        try:
            lists.update(provider(patient_ids))
        except Exception as error:
            logger.error("work list provider failed (%s)", type(error).__name__)
            return unknown
    return lists


def natural_key(text: str) -> tuple[Any, ...]:
    """Bed "2" before bed "10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def attach_work_lists(stays: Iterable[Any]) -> list[Any]:
    """The open stays of the bedside list, in natural ward and bed order, each with
    ``not_monitored`` and ``work`` (its work items, overdue first) set."""
    stays = sorted(
        attach_monitor_words(stays), key=lambda s: (natural_key(s.ward), natural_key(s.bed))
    )
    lists = work_lists([stay.patient_id for stay in stays])
    rank = {"overdue": 0, "due": 1}
    for stay in stays:
        stay.work = sorted(lists.get(stay.patient_id, []), key=lambda i: rank.get(i.status, 2))
        stay.overdue_count = sum(1 for item in stay.work if item.status == "overdue")
    return stays
