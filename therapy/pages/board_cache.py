"""The ward board from rows rendered once per state version, and its polls as differences
(issue 16 item 3; docs/pages.md "Refresh").

A row of the board says what the patient's state says (``BoardRow``) and nothing about the
present moment except through that state: its relative times ("in 4 hours") are filled in by
the browser (``static/js/board.js``) from the absolute times the row carries. So a row is a
function of

- the patient's *state version*: ``StateDocument.changes``, which every write that changes
  what a summary (and so the board) shows bumps in its own transaction
  (``therapy.models.documents``); a patient with no document row yet is version 0. The
  monitor's evaluation that finds what is stored (a tick on an unchanged record) does not
  bump it (``therapy.monitor.evaluation``): it moves only the times of the assessment and of
  the newest success, which a row does not show while the monitor is watching;
- whether the monitor is watching the patient (``monitored``: the newest success within
  ``IL2_MONITOR_STALE_MINUTES`` of now, since admission, no failing streak), read with the
  census: a row built while it is watching stays the row while it still is, however often
  the monitor succeeds meanwhile; it is built again the moment it is not (and back);
- the time of day only through the state's ``changes_at``: the first moment a derivation from
  the clock changes (vitals or a dose turning due or overdue, the date; and while the
  monitor is not watching, the minutes of "no evaluation for N min"). A row built at ``t`` is
  the row of every moment in ``[t, changes_at)``; after that it is built again, so a dose
  window opening or vitals turning overdue flip the row with no write;
- the code and templates that draw it, and the settings they read (``_code_digest``).

Each row is kept in the ``pages`` cache (Redis) as its *entry* (what ordering and the status
line need: the risk and bed keys, the top severity, the unacknowledged count, ``valid_until``)
under the patient and state version, and as its HTML under the patient and full version
(``changes`` and ``valid_until``). A board costs one query (the census: each open stay's
patient and state version) plus, only for rows whose entry is missing or past ``valid_until``,
the stays and the state's queries (the same fixed number for 1 row as for 200) and their
rendering.

A reader's poll sends the board's *token* (a digest of the rows' versions in order); the
board a token stands for is kept for ``SENT_TTL``, and what the status line says of a board
(``BoardSummary``, with its token) under a digest of its census until its first row's
``valid_until``. The answer is nothing but the status line and the badge when the token is
current (the census and that summary: no row is looked at); the changed rows (as out-of-band
swaps), the added ones, the removed ones and the new order when it is not; the whole table
when the token is missing or forgotten. Rows are the same for every reader (nothing in them
depends on who reads); which rows a reader gets is decided by their own census query.

If Redis is down, every row is built at every request (as before caching); a poll whose token
is still the board's digest gets nothing, any other the whole table.
"""

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from redis.exceptions import RedisError

from patients.models import Admission
from patients.selectors import patients as patient_selectors
from therapy.pages.board import SORTS, BoardRow, StatusCounts
from therapy.policy import monitor_stale_after
from therapy.state.patient_state import admission_states

logger = logging.getLogger(__name__)

ROW_TEMPLATE = "board/_row.html"
# Templates a row includes, and the modules whose words it shows: a change to any of them
# (a deploy) is a new namespace of rows.
ROW_TEMPLATES = (ROW_TEMPLATE, "board/_latest_values.html", "therapy/_precheck_summary.html")
ROW_MODULES = (
    "therapy/pages/board.py",
    "therapy/pages/board_cache.py",
    "therapy/pages/wording.py",
    "therapy/state/patient_state.py",
    "therapy/state/health.py",
    "therapy/state/therapy.py",
    "therapy/rules/monitoring.py",
)
ROW_SETTINGS = ("TIME_ZONE", "IL2_MONITOR_STALE_MINUTES", "IL2_DOSE_OVERDUE_MINUTES")
ROW_TTL = 12 * 3600  # versions move on; the old ones expire
SENT_TTL = 15 * 60  # a board a reader was sent; the slowest refresh is 300 s
TOKEN = re.compile(r"^[0-9a-f]{32}$")


@cache
def _code_digest() -> str:
    root = Path(__file__).resolve().parents[2]
    parts = [get_template(name).template.source for name in ROW_TEMPLATES]  # type: ignore[attr-defined]
    parts += [(root / name).read_text() for name in ROW_MODULES]
    parts += [repr(getattr(settings, name, None)) for name in ROW_SETTINGS]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def _pages() -> Any:
    return caches["pages"]


def _get_many(keys: list[str]) -> dict[str, Any]:
    if not keys:
        return {}
    try:
        return dict(_pages().get_many(keys))
    except (RedisError, OSError) as error:  # the board works without its cache, slower
        logger.warning("board cache read failed: %s", error)
        return {}


def _set_many(values: dict[str, Any], timeout: int) -> None:
    if not values:
        return
    try:
        _pages().set_many(values, timeout)
    except (RedisError, OSError) as error:
        logger.warning("board cache write failed: %s", error)


def _touch(key: str, timeout: int) -> None:
    try:
        _pages().touch(key, timeout)
    except (RedisError, OSError) as error:
        logger.warning("board cache touch failed: %s", error)


@dataclass(frozen=True)
class RowEntry:
    """What the board keeps of one rendered row, besides its HTML."""

    patient_id: str
    changes: int
    monitored: bool
    valid_until: datetime
    risk_key: tuple[Any, ...]
    bed_key: tuple[Any, ...]
    severity_rank: int
    unacknowledged: int

    @property
    def version(self) -> str:
        """The state version and the end of the row's time of validity: what the row says."""
        until = int(self.valid_until.timestamp() * 1_000_000)
        return f"{self.changes}.{int(self.monitored)}.{until}"


def _entry_key(patient_id: str, changes: int, monitored: bool) -> str:
    return f"board-row:{_code_digest()}:{patient_id}:{changes}:{int(monitored)}"


def _html_key(entry: RowEntry) -> str:
    return f"board-html:{_code_digest()}:{entry.patient_id}:{entry.version}"


def _sent_key(token: str) -> str:
    return f"board-sent:{token}"


def _versioned(census: QuerySet[Admission]) -> QuerySet[Admission]:
    return census.annotate(state_changes=Coalesce("patient__state_document__changes", Value(0)))


def _monitored(
    last_success_at: datetime | None,
    failing_since: datetime | None,
    admitted_at: datetime,
    now: datetime,
) -> bool:
    """Is the monitor watching the patient (``MonitorHealth.ok``, from the census's columns)?"""
    return (
        failing_since is None
        and last_success_at is not None
        and last_success_at >= admitted_at
        and now - last_success_at < monitor_stale_after()
    )


@dataclass(frozen=True)
class Census:
    """The open stays a reader may see (of a ward) as (patient, state version, watched by the
    monitor) triples."""

    stays: QuerySet[Admission]
    ward: str
    versions: list[tuple[str, int, bool]]

    @property
    def digest(self) -> str:
        said = "\n".join(
            [self.ward, *(f"{pid}:{changes}:{int(ok)}" for pid, changes, ok in self.versions)]
        )
        return hashlib.sha256(said.encode()).hexdigest()[:32]


def board_census(*, user: Any, ward: str = "", now: datetime | None = None) -> Census:
    """One query, whatever the number of patients."""
    now = now or timezone.now()
    stays = patient_selectors.admitted_patients(user=user, ward=ward)
    rows = _versioned(stays).values_list(  # type: ignore[misc]
        "patient_id",
        "state_changes",
        "patient__monitor_state__last_success_at",
        "patient__monitor_state__failing_since",
        "admitted_at",
    )
    versions = [
        (str(pid), int(changes), _monitored(last, failing, admitted, now))
        for pid, changes, last, failing, admitted in rows
    ]
    return Census(stays=stays, ward=ward, versions=versions)


@dataclass(frozen=True)
class BoardSummary:
    """What the status line says of a board and its token, kept under the census's digest
    until its first row's ``valid_until``: a poll whose board is current reads this alone."""

    token: str
    patients: int
    emergency: int
    urgent: int
    unacknowledged: int
    valid_until: datetime
    generated_at: datetime


def _summary_key(census: Census, sort: str) -> str:
    return f"board-summary:{_code_digest()}:{sort}:{census.digest}"


def current_board_summary(
    *, census: Census, sort: str, token: str, now: datetime | None = None
) -> BoardSummary | None:
    """The kept summary of the board, if ``token`` names it and it is still current: then the
    reader has this board and nothing of it need be read or sent. One cache read."""
    now = now or timezone.now()
    if not TOKEN.match(token or ""):
        return None
    key = _summary_key(census, sort if sort in SORTS else "risk")
    summary = _get_many([key]).get(key)
    if not isinstance(summary, BoardSummary) or summary.token != token:
        return None
    if now >= summary.valid_until:
        return None
    _touch(_sent_key(token), SENT_TTL)
    return replace(summary, generated_at=now)


@dataclass
class CachedBoard(StatusCounts):
    """The board as entries in display order; row HTML fetched or built on demand."""

    entries: list[RowEntry]
    census: Census
    ward: str
    sort: str
    generated_at: datetime
    html: dict[str, SafeString] = field(default_factory=dict)
    wards: list[str] = field(default_factory=list)
    built: int = 0  # rows built (state read and rendered) for this board

    @property
    def rows(self) -> list[RowEntry]:
        return self.entries

    @property
    def patients(self) -> int:
        return len(self.entries)

    def counted(self) -> Iterable[tuple[int, int]]:
        return ((entry.severity_rank, entry.unacknowledged) for entry in self.entries)

    @property
    def versions(self) -> list[tuple[str, str]]:
        return [(entry.patient_id, entry.version) for entry in self.entries]

    @property
    def token(self) -> str:
        said = "\n".join([self.ward, self.sort, *(f"{pid}:{v}" for pid, v in self.versions)])
        return hashlib.sha256(said.encode()).hexdigest()[:32]

    def rows_html(self, patient_ids: Iterable[str] | None = None) -> list[SafeString]:
        """The HTML of these rows (all by default), in display order."""
        wanted = [e.patient_id for e in self.entries] if patient_ids is None else patient_ids
        wanted = list(wanted)
        by_id = {entry.patient_id: entry for entry in self.entries}
        missing = [pid for pid in wanted if pid not in self.html]
        keys = {pid: _html_key(by_id[pid]) for pid in missing}
        found = _get_many(list(keys.values()))
        for pid in missing:
            text = found.get(keys[pid])
            if isinstance(text, str):
                self.html[pid] = mark_safe(text)  # noqa: S308 (our own template's output)
        unbuilt = [pid for pid in missing if pid not in self.html]
        if unbuilt:  # evicted HTML of a current entry: build it again
            for entry in self._build(unbuilt):
                by_id[entry.patient_id] = entry
            self.entries = [by_id[entry.patient_id] for entry in self.entries]
        return [self.html[pid] for pid in wanted if pid in self.html]  # (one just discharged)

    def _build(self, patient_ids: list[str]) -> list[RowEntry]:
        """Read the stays and states of these patients (a fixed number of queries), render
        their rows and keep both."""
        built: list[RowEntry] = []
        kept: dict[str, Any] = {}
        stays = list(_versioned(self.census.stays.filter(patient_id__in=patient_ids)))
        states = admission_states(admissions=stays, now=self.generated_at)
        for stay, state in zip(stays, states, strict=True):
            row = BoardRow(state=state)
            monitored = state.monitor.ok
            entry = RowEntry(
                patient_id=str(stay.patient_id),
                changes=stay.state_changes,  # type: ignore[attr-defined]
                monitored=monitored,
                # While the monitor watches, its successes move no row (see the module).
                valid_until=state.next_change(monitor=not monitored),
                risk_key=row.risk_key,
                bed_key=row.bed_key,
                severity_rank=row.top_severity_rank,
                unacknowledged=row.unacknowledged,
            )
            text = render_to_string(ROW_TEMPLATE, {"row": row}).strip()
            self.html[entry.patient_id] = mark_safe(text)  # noqa: S308 (our own template)
            kept[_entry_key(entry.patient_id, entry.changes, entry.monitored)] = entry
            kept[_html_key(entry)] = text
            built.append(entry)
        self.built += len(built)
        _set_many(kept, ROW_TTL)
        return built

    def remember(self) -> str:
        """Keep what a reader is sent under its token, for their next poll."""
        _set_many({_sent_key(self.token): self.versions}, SENT_TTL)
        return self.token


def cached_board(
    *,
    user: Any,
    ward: str = "",
    sort: str = "risk",
    now: datetime | None = None,
    census: Census | None = None,
) -> CachedBoard:
    """Every admitted patient ``user`` may see (of ``ward``, if given), riskiest first unless
    ``sort="bed"``: the same rows as ``ward_board``, each built only when its version is new.
    The census is read as (patient, state version) pairs; the stays themselves only for the
    rows to build."""
    now = now or timezone.now()
    sort = sort if sort in SORTS else "risk"
    census = census or board_census(user=user, ward=ward, now=now)
    keys = {pid: _entry_key(pid, changes, ok) for pid, changes, ok in census.versions}
    found = _get_many(list(keys.values()))
    entries: list[RowEntry] = []
    stale: list[str] = []
    for pid, kept in keys.items():
        entry = found.get(kept)
        if isinstance(entry, RowEntry) and now < entry.valid_until:
            entries.append(entry)
        else:
            stale.append(pid)
    board = CachedBoard(
        entries=entries, census=census, ward=census.ward, sort=sort, generated_at=now
    )
    if stale:
        entries += board._build(stale)
    if sort == "risk":
        entries.sort(key=lambda entry: entry.risk_key)
    else:
        entries.sort(key=lambda entry: entry.bed_key)
    board.entries = entries
    summary = BoardSummary(
        token=board.token,
        patients=board.patients,
        emergency=board.emergency,
        urgent=board.urgent,
        unacknowledged=board.unacknowledged,
        valid_until=min((e.valid_until for e in entries), default=now + timedelta(hours=1)),
        generated_at=now,
    )
    _set_many({_summary_key(census, sort): summary}, SENT_TTL)
    return board


@dataclass
class BoardPoll:
    """What a poll sends besides the status line and the badge."""

    full: bool = False
    changed: list[SafeString] = field(default_factory=list)
    added: list[SafeString] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    @property
    def rows_sent(self) -> int:
        return len(self.changed) + len(self.added)


def _out_of_band(html: str) -> SafeString:
    assert html.startswith("<tr "), "a board row is one <tr>"
    return mark_safe('<tr hx-swap-oob="true" ' + html[len("<tr ") :])  # noqa: S308


def board_poll(board: CachedBoard, token: str) -> BoardPoll:
    """The difference between the board a reader has (``token``) and ``board``."""
    current = board.token
    token = token if TOKEN.match(token or "") else ""
    if token and token == current:
        _touch(_sent_key(token), SENT_TTL)
        return BoardPoll()
    before = _get_many([_sent_key(token)]).get(_sent_key(token)) if token else None
    board.remember()
    versions = board.versions
    if not before or not versions:
        return BoardPoll(full=True)
    old = dict(before)
    new = dict(versions)
    changed = [pid for pid, version in versions if pid in old and old[pid] != version]
    added = [pid for pid, _ in versions if pid not in old]
    removed = [pid for pid, _ in before if pid not in new]
    order = [pid for pid, _ in versions]
    after_swaps = [pid for pid, _ in before if pid in new] + added
    return BoardPoll(
        changed=[_out_of_band(html) for html in board.rows_html(changed)],
        added=board.rows_html(added),
        removed=removed,
        order=order if after_swaps != order else [],
    )
