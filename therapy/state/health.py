"""Is the monitor watching this patient? One answer, in words, for every page and the API
(clinical-rules.md §6 (v2): "the board shows the patient as 'not monitored' in words until an
evaluation succeeds").

Read from the patient's ``MonitorState`` (no query of its own): ``ok`` while the latest
evaluation succeeded within ``IL2_MONITOR_STALE_MINUTES``; ``failing`` while evaluations fail
(the whole run, or some of its parts); ``stale`` when none has succeeded for that long (the
workers stopped); ``never`` when none has succeeded since admission; ``not_admitted`` (the
monitor watches admitted patients only). Anything but ``ok`` reads
"Not monitored since 14:05 — <reason>", and a part of the stored assessment is shown as current
only while the monitor vouches for it (``current``)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import dateformat, timezone

from patients.models import Admission
from therapy.models import MonitorState
from therapy.policy import monitor_stale_after

STATUSES = ("ok", "failing", "stale", "never", "not_admitted")
PART_WORDS = {
    "news2": "the NEWS2 check",
    "crs": "the CRS rule",
    "vls": "the VLS rule",
    "aki": "the AKI rule",
    "precheck": "the pre-dose check",
    "trend": "the trend projections",
    "overdue": "the overdue-care check",
    "evaluation": "the evaluation",
}


def clock(moment: datetime, now: datetime) -> str:
    """14:05 today, "3 Mar 14:05" another day (site time)."""
    local, today = timezone.localtime(moment), timezone.localtime(now)
    return dateformat.format(local, "H:i" if local.date() == today.date() else "j M H:i")


def failure_words(failure: dict[str, Any]) -> str:
    """What failed, in a sentence: each failing part, its error and the record it named."""
    said = []
    for item in failure.get("failures") or []:
        part = PART_WORDS.get(item.get("part", ""), str(item.get("part")))
        record = item.get("record")
        named = f" on {record['kind']} record {record['id']}" if record else ""
        said.append(f"{part} failed{named} ({item.get('error')})")
    return "; ".join(said) or "the evaluation failed"


@dataclass(frozen=True)
class MonitorHealth:
    status: str
    now: datetime
    last_success_at: datetime | None = None
    failing_since: datetime | None = None
    since: datetime | None = None  # not monitored since: the last success, else admission
    reason: str = ""
    failed_parts: frozenset[str] = frozenset()
    scope: str = ""  # parts, evaluation (a failure) or "" (none)
    assessed_at: datetime | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def is_current(self, part: str) -> bool:
        """May the stored assessment of ``part`` be shown as current? While every part
        succeeds; while some fail, the others of a fresh assessment."""
        if self.ok:
            return True
        fresh = self.assessed_at is not None and self.now - self.assessed_at < monitor_stale_after()
        return (
            self.status == "failing"
            and self.scope == "parts"
            and part not in self.failed_parts
            and fresh
        )

    def changes(self) -> list[datetime]:
        """When this answer may next change with no write: the monitor turning stale, a
        fresh assessment ageing, the minutes of "no evaluation for N min" ticking."""
        stale_after = monitor_stale_after()
        moments = []
        if self.last_success_at is not None:
            moments.append(self.last_success_at + stale_after)
        if self.assessed_at is not None:
            moments.append(self.assessed_at + stale_after)
        if self.status == "stale" and self.last_success_at is not None:
            elapsed = self.now - self.last_success_at
            moments.append(self.now + timedelta(minutes=1) - elapsed % timedelta(minutes=1))
        return moments

    @property
    def current(self) -> dict[str, bool]:
        """``is_current`` by part, for templates (``monitor.current.crs``)."""
        return {part: self.is_current(part) for part in PART_WORDS if part != "evaluation"}

    @property
    def words(self) -> str:
        """ "Not monitored since 14:05 — <reason>", or "" when the monitor is watching."""
        if self.ok:
            return ""
        if self.since is None:
            return f"Not monitored — {self.reason}"
        return f"Not monitored since {clock(self.since, self.now)} — {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "last_success_at": self.last_success_at,
            "failing_since": self.failing_since,
            "not_monitored_since": None if self.ok else self.since,
            "error": "" if self.ok else self.reason,
            "words": self.words,
            "failed_parts": sorted(self.failed_parts),
            "skipped": self.skipped,
        }


def monitor_health(
    state: MonitorState | None, *, admitted_at: datetime | None, now: datetime
) -> MonitorHealth:
    """The monitor's health for one patient, from their state row and open stay."""
    last = state.last_success_at if state else None
    if last is not None and admitted_at is not None and last < admitted_at:
        last = None  # a success of an earlier stay says nothing about this one
    since = last or admitted_at
    common: dict[str, Any] = {
        "now": now,
        "last_success_at": last,
        "since": since,
        "assessed_at": state.assessed_at if state else None,
        "skipped": list((state.findings or {}).get("skipped") or []) if state else [],
    }
    failure = state.failure if state is not None and state.failing_since else {}
    if admitted_at is None:
        return MonitorHealth(status="not_admitted", reason="the patient is not admitted", **common)
    if failure:
        return MonitorHealth(
            status="failing",
            failing_since=state.failing_since if state else None,
            reason=failure_words(failure),
            failed_parts=frozenset(f.get("part", "") for f in failure.get("failures") or []),
            scope=str(failure.get("scope", "")),
            **common,
        )
    if last is None:
        return MonitorHealth(
            status="never", reason="no evaluation has succeeded since admission", **common
        )
    if now - last >= monitor_stale_after():
        minutes = int((now - last).total_seconds() // 60)
        return MonitorHealth(
            status="stale",
            reason=f"no evaluation has succeeded for {minutes} min (is the monitor running?)",
            **common,
        )
    return MonitorHealth(status="ok", **common)


def not_monitored_words(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """ "Not monitored since 14:05 — <reason>" for each admitted patient of ``patient_ids``
    the monitor is not watching; one query whatever the number."""
    now = timezone.now()
    stays = Admission.objects.filter(patient_id__in=patient_ids, discharged_at__isnull=True)
    words = {}
    for stay in stays.select_related("patient__monitor_state"):
        try:
            state = stay.patient.monitor_state
        except MonitorState.DoesNotExist:
            state = None
        health = monitor_health(state, admitted_at=stay.admitted_at, now=now)
        if not health.ok:
            words[stay.patient_id] = health.words
    return words
