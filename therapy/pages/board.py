"""``ward_board``: the clinicians' live ward board, one row per admitted patient.

Each row is the patient's state (``therapy.state``, the read model the chart, the handover,
the REST summary and FHIR share) in the board's words, read in a fixed number of queries
whatever the number of patients (a test pins it).

Risk, the default order (docs/pages.md), highest first:

1. the most severe open alert (emergency, urgent, routine, none);
2. an alert nobody has acknowledged yet before one somebody has;
3. NEWS2 total of the newest complete set;
4. CRS grade; 5. VLS (critical, suspected, not suspected); 5a. (v2) AKI stage;
6. something overdue (the next dose, or vitals past their due interval);
then ward and bed.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from patients.models import Admission, News2Band, Patient
from patients.monitor_status import natural_key
from patients.selectors import patients as patient_selectors
from therapy.models import Alert, Dose, Severity
from therapy.pages.wording import (
    SEVERITY_WORDS,
    VLS_RANK,
    LatestValueItem,
    PrecheckSummary,
    aki_signs,
    aki_words,
    crs_words,
    latest_value_items,
    precheck_provisional_words,
    precheck_summary,
    vls_signs,
    vls_words,
    window_words,
)
from therapy.state.health import MonitorHealth
from therapy.state.patient_state import PatientState, admission_states
from therapy.state.therapy import TherapyState

SORTS = ("risk", "bed")


@dataclass
class BoardRow:
    """One admitted patient's line on the board: the patient's state (``therapy.state``) in
    the board's words (read-only once built: values cached)."""

    state: PatientState

    @property
    def admission(self) -> Admission:
        assert self.state.admission is not None  # the board lists open stays only
        return self.state.admission

    @property
    def patient(self) -> Patient:
        return self.state.patient

    @property
    def therapy(self) -> TherapyState:
        return self.state.therapy

    @property
    def now(self) -> datetime:
        return self.state.now

    @property
    def alerts(self) -> list[Alert]:
        return self.state.active_alerts

    @property
    def monitor(self) -> MonitorHealth:
        return self.state.monitor

    # --- the monitor's assessment -------------------------------------------------------
    @property
    def assessed_at(self) -> datetime | None:
        return self.state.assessed_at

    @property
    def assessment_stale(self) -> bool:
        return not self.monitor.ok

    def _not_current_words(self) -> str:
        return "Not assessed" if self.assessed_at is None else "Not monitored"

    @cached_property
    def crs_grade(self) -> int | None:
        return (self.state.crs or {}).get("grade")

    @cached_property
    def crs_as_of(self) -> datetime | None:
        """The time of the vitals set the grade rests on: it moves with the record, not with
        each re-assessment of it (a row keeps while the monitor re-finds the same)."""
        value = (self.state.crs or {}).get("as_of")
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    @cached_property
    def crs_words(self) -> str:
        if not self.monitor.is_current("crs"):
            return self._not_current_words()
        return crs_words(self.state.crs, assessed=self.assessed_at is not None)

    @cached_property
    def vls_severity(self) -> str | None:
        return (self.state.vls or {}).get("severity")

    @cached_property
    def vls_words(self) -> str:
        if not self.monitor.is_current("vls"):
            return self._not_current_words()
        return vls_words(self.state.vls)

    @cached_property
    def vls_signs(self) -> list[str]:
        return vls_signs(self.state.vls)

    @cached_property
    def aki_stage(self) -> int | None:
        return (self.state.aki or {}).get("stage")

    @cached_property
    def aki_words(self) -> str:
        if not self.monitor.is_current("aki"):
            return self._not_current_words()
        return aki_words(self.state.aki)

    @cached_property
    def aki_signs(self) -> list[str]:
        return aki_signs(self.state.aki)

    @property
    def precheck(self) -> dict[str, Any] | None:
        return self.state.precheck

    @cached_property
    def precheck_summary(self) -> PrecheckSummary:
        window = self.therapy.window
        if self.therapy.next_dose is not None and not self.monitor.is_current("precheck"):
            words = window_words(window.opens_at, window.due_at) if window else ""
            return PrecheckSummary(self._not_current_words(), "none", window=words)
        return precheck_summary(
            self.precheck,
            next_dose=self.therapy.next_dose,
            opens_at=window.opens_at if window else None,
            due_at=window.due_at if window else None,
        )

    @cached_property
    def precheck_words(self) -> str:
        return self.precheck_summary.headline

    @cached_property
    def precheck_provisional(self) -> str:
        """(v2) "Provisional: final at ..." while the check is more than 2 h before the dose."""
        return precheck_provisional_words(self.precheck)

    # --- NEWS2 and vitals -----------------------------------------------------------------
    @cached_property
    def latest_items(self) -> list[LatestValueItem]:
        return latest_value_items(self.state.latest_values)

    @property
    def last_vitals_at(self) -> datetime | None:
        return self.state.last_vitals_at

    @property
    def news2_total(self) -> int | None:
        return (self.state.news2 or {}).get("total")

    @property
    def news2_band(self) -> str | None:
        return (self.state.news2 or {}).get("band")

    @property
    def news2_red_flag(self) -> bool:
        return bool((self.state.news2 or {}).get("red_flag"))

    @property
    def news2_at(self) -> datetime | None:
        complete = self.state.news2_vitals
        return complete.taken_at if complete else None

    @cached_property
    def news2_band_words(self) -> str:
        return News2Band(self.news2_band).label if self.news2_band else ""

    @property
    def due_interval(self) -> timedelta:
        return self.state.due_interval

    @property
    def vitals_due_at(self) -> datetime | None:
        return self.state.vitals_due_at

    @property
    def vitals_status(self) -> str:
        return self.state.vitals_status

    # --- the next dose --------------------------------------------------------------------
    @property
    def next_dose(self) -> Dose | None:
        return self.therapy.next_dose

    @cached_property
    def seconds_to_next_dose(self) -> int | None:
        if self.next_dose is None:
            return None
        return int((self.next_dose.scheduled_at - self.now).total_seconds())

    @property
    def dose_status(self) -> str:
        """``none``, ``scheduled``, ``due`` (its window is open) or ``overdue``."""
        return self.state.dose_status

    # --- alerts and risk ------------------------------------------------------------------
    @cached_property
    def top_severity_rank(self) -> int:
        return max((a.severity_rank for a in self.alerts), default=-1)

    @cached_property
    def top_severity_words(self) -> str:
        return SEVERITY_WORDS.get(self.top_severity_rank, "None")

    @property
    def unacknowledged(self) -> int:
        return self.state.alert_counts.unacknowledged

    @cached_property
    def alerts_by_severity(self) -> list[tuple[str, str, list[Alert]]]:
        """(severity, its word, the alerts), most severe first; only severities present."""
        groups = []
        for severity in (Severity.EMERGENCY, Severity.URGENT, Severity.ROUTINE):
            alerts = [a for a in self.alerts if a.severity == severity]
            if alerts:
                groups.append((severity.value, str(severity.label), alerts))
        return groups

    @cached_property
    def overdue(self) -> int:
        return int(self.dose_status == "overdue") + int(self.vitals_status == "overdue")

    @cached_property
    def risk_key(self) -> tuple[Any, ...]:
        """Ascending sort key: the riskiest patient first (the order in the module doc)."""
        return (
            -self.top_severity_rank,
            -int(self.unacknowledged > 0),
            -(self.news2_total if self.news2_total is not None else -1),
            -(self.crs_grade if self.crs_grade is not None else -1),
            -VLS_RANK.get(self.vls_severity or "none", 0),
            -(self.aki_stage or 0),
            -self.overdue,
            *self.bed_key,
        )

    @cached_property
    def bed_key(self) -> tuple[Any, ...]:
        return (natural_key(self.admission.ward), natural_key(self.admission.bed))

    @cached_property
    def signature(self) -> str:
        """What the row says apart from the passing of time: the board's script highlights a
        row whose signature changed at a refresh."""
        alerts = ",".join(f"{a.kind}:{a.severity}:{a.status}" for a in self.alerts)
        return "|".join(
            str(part)
            for part in (
                alerts,
                self.monitor.status,
                self.monitor.reason,
                self.news2_total,
                self.news2_at and self.news2_at.isoformat(),
                self.crs_grade,
                self.vls_severity,
                self.aki_stage,
                self.precheck_words,
                self.dose_status,
                self.vitals_status,
                ";".join(f"{item.label} {item.text}" for item in self.latest_items),
                self.therapy.doses_given,
                self.therapy.doses_held,
            )
        )


class StatusCounts(ABC):
    """What the board's status line counts, the same whether the board was read fresh
    (``Board``) or from its kept rows (``board_cache.CachedBoard``): patients by their most
    severe open alert, and the alerts waiting for acknowledgement."""

    @abstractmethod
    def counted(self) -> Iterable[tuple[int, int]]:
        """Per patient: the rank of the most severe open alert, and the unacknowledged."""

    @property
    def emergency(self) -> int:
        return sum(1 for rank, _ in self.counted() if rank == 2)

    @property
    def urgent(self) -> int:
        return sum(1 for rank, _ in self.counted() if rank == 1)

    @property
    def unacknowledged(self) -> int:
        return sum(waiting for _, waiting in self.counted())


@dataclass
class Board(StatusCounts):
    rows: list[BoardRow]
    ward: str
    sort: str
    generated_at: datetime
    wards: list[str] = field(default_factory=list)

    def counted(self) -> Iterable[tuple[int, int]]:
        return ((row.top_severity_rank, row.unacknowledged) for row in self.rows)


def ward_board(
    *, user: Any, ward: str = "", sort: str = "risk", now: datetime | None = None
) -> Board:
    """Every admitted patient (of ``ward``, if given), riskiest first unless ``sort="bed"``."""
    stays = list(patient_selectors.admitted_patients(user=user, ward=ward))
    states = admission_states(admissions=stays, now=now)
    rows = [BoardRow(state=state) for state in states]
    sort = sort if sort in SORTS else "risk"
    rows.sort(key=(lambda row: row.risk_key) if sort == "risk" else (lambda row: row.bed_key))
    return Board(
        rows=rows,
        ward=ward,
        sort=sort,
        generated_at=states[0].now if states else (now or timezone.now()),
        wards=patient_selectors.wards(user=user),
    )
