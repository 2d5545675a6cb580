"""``ward_board``: the clinicians' live ward board, one row per admitted patient.

Read in a fixed number of queries whatever the number of patients (a test pins it): the open
admissions with their patient, ``MonitorState`` and the newest vital-signs sets as
annotations, then one prefetch each for open alerts, courses and doses.

Risk, the default order (docs/pages.md), highest first:

1. the most severe open alert (emergency, urgent, routine, none);
2. an alert nobody has acknowledged yet before one somebody has;
3. NEWS2 total of the newest complete set;
4. CRS grade; 5. VLS (critical, suspected, not suspected);
6. something overdue (the next dose, or vitals past their due interval);
then ward and bed.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from patients import observation_selectors
from patients import selectors as patient_selectors
from patients.models import Admission, Consciousness, News2Band, OxygenDevice, Patient, VitalSigns
from patients.observation_selectors import LatestValue, latest_values
from therapy.assessment import IN_CYCLE_VITALS_INTERVAL, PRECHECK_WINDOW
from therapy.inbox import VLS_SIGN_WORDS
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    AlertStatus,
    Course,
    CourseStatus,
    Dose,
    DoseStatus,
    MonitorState,
    Severity,
)
from therapy.monitor_health import MonitorHealth, monitor_health
from therapy.summary import TherapyState

# Vitals turn amber ("due soon") once this share of the due interval has passed, and red
# ("overdue") after the whole interval: when the monitor raises ``vitals_overdue`` (§6).
DUE_SOON_FRACTION = 0.75
# Without an assessment yet, vitals are taken to be due every 2 h (in-cycle interval [S9]).
DEFAULT_DUE_INTERVAL = IN_CYCLE_VITALS_INTERVAL

SEVERITY_WORDS = {2: "Emergency", 1: "Urgent", 0: "Routine"}
VLS_WORDS = {"none": "Not suspected", "warning": "Suspected", "critical": "Suspected: critical"}
VLS_RANK = {"none": 0, "warning": 1, "critical": 2}
PRECHECK_WORDS = {
    "give": "GIVE",
    "hold": "HOLD",
    "discontinue": "DISCONTINUE",
    "insufficient_data": "INSUFFICIENT DATA",
}
SORTS = ("risk", "bed")


def therapy_state_of(courses: list[Course]) -> TherapyState:
    """``summary.therapy_state`` over the prefetched courses (``_courses``), with no query
    per patient: the active course, else the latest; its current cycle's counts; the next
    dose. A test holds the two to the same answer."""
    course = next((c for c in courses if c.status == CourseStatus.ACTIVE), None)
    course = course or (courses[0] if courses else None)
    if course is None:
        return TherapyState(course=None)
    next_dose = course.next_doses[0] if course.next_doses else None
    cycle = next_dose.cycle if next_dose else course.last_cycle
    return TherapyState(
        course=course,
        cycle=cycle,
        doses_given=getattr(course, f"given_{cycle}", 0),
        doses_held=getattr(course, f"held_{cycle}", 0),
        max_doses=course.max_doses_per_cycle,
        next_dose=next_dose,
    )


def _courses() -> Any:
    """Courses with the counts of given and held doses per cycle (cycles are 1 and 2) and
    their next scheduled dose: one row per course and one per next dose, not every dose."""
    counts = {
        f"{name}_{cycle}": Count("doses", filter=Q(doses__status=status, doses__cycle=cycle))
        for name, status in (("given", DoseStatus.GIVEN), ("held", DoseStatus.HELD))
        for cycle in (1, 2)
    }
    scheduled = Dose.objects.filter(status=DoseStatus.SCHEDULED).order_by("cycle", "number")
    return (
        Course.objects.annotate(last_cycle=Max("doses__cycle"), **counts)
        .order_by("-cycle_1_start")
        .prefetch_related(Prefetch("doses", queryset=scheduled[:1], to_attr="next_doses"))
    )


def crs_words(crs: dict[str, Any] | None, *, assessed: bool = True) -> str:
    if not assessed:
        return "Not assessed"
    grade = (crs or {}).get("grade")
    return "Not graded" if grade is None else f"Grade {grade}"


def vls_words(vls: dict[str, Any] | None) -> str:
    return VLS_WORDS.get((vls or {}).get("severity") or "", "Not assessed")


def vls_signs(vls: dict[str, Any] | None) -> list[str]:
    present = (vls or {}).get("present", [])
    return [VLS_SIGN_WORDS.get(code, code).lower() for code in present]


def precheck_of(findings: dict[str, Any], next_dose: Dose | None) -> dict[str, Any] | None:
    """The stored pre-check, only when it is about the dose that is next now: a check of a
    dose since given or held is never shown against the next one."""
    check = findings.get("precheck")
    if not check or next_dose is None or check.get("dose_id") != str(next_dose.pk):
        return None
    return check


def precheck_words(check: dict[str, Any] | None, next_dose: Dose | None) -> str:
    if check is None:
        return "Awaiting check" if next_dose else "No dose due"
    return PRECHECK_WORDS.get(check["recommendation"], check["recommendation"].upper())


@dataclass(frozen=True)
class LatestValueItem:
    """One measurement as a clinician reads it ("BP 92/60"), with its own time."""

    label: str
    text: str
    taken_at: datetime


def latest_value_items(values: dict[str, LatestValue]) -> list[LatestValueItem]:
    """The newest value of each measurement in ward words, BP first. Systolic and diastolic
    from one set read as one "BP"; from different sets each keeps its own time."""

    def item(label: str, name: str, text: str) -> LatestValueItem:
        return LatestValueItem(label, text, values[name].taken_at)

    items: list[LatestValueItem] = []
    systolic, diastolic = values.get("systolic_bp"), values.get("diastolic_bp")
    if systolic and diastolic and systolic.vitals.pk == diastolic.vitals.pk:
        items.append(item("BP", "systolic_bp", f"{systolic.value}/{diastolic.value}"))
    else:
        if systolic:
            items.append(item("SBP", "systolic_bp", str(systolic.value)))
        if diastolic:
            items.append(item("DBP", "diastolic_bp", str(diastolic.value)))
    if "heart_rate" in values:
        items.append(item("HR", "heart_rate", str(values["heart_rate"].value)))
    if "respiratory_rate" in values:
        items.append(item("RR", "respiratory_rate", str(values["respiratory_rate"].value)))
    if "spo2" in values:
        items.append(item("SpO2", "spo2", f"{values['spo2'].value} %"))
    if "oxygen_device" in values:
        device = OxygenDevice(values["oxygen_device"].value).label
        flow = values.get("oxygen_flow_l_min")
        text = f"{device} {flow.value} L/min" if flow else device
        items.append(item("O2", "oxygen_device", text))
    if "temperature_c" in values:
        items.append(item("T", "temperature_c", f"{values['temperature_c'].value} °C"))
    if "consciousness" in values:
        words = Consciousness(values["consciousness"].value).label
        items.append(item("ACVPU", "consciousness", words))
    if "weight_kg" in values:
        items.append(item("Weight", "weight_kg", f"{values['weight_kg'].value} kg"))
    if "edema_grade" in values:
        items.append(item("Oedema", "edema_grade", f"grade {values['edema_grade'].value}"))
    return items


def _natural(text: str) -> tuple[Any, ...]:
    """Bed "2" before bed "10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


@dataclass
class BoardRow:
    """One admitted patient's line on the board (read-only once built: values cached)."""

    admission: Admission
    therapy: TherapyState
    state: MonitorState | None
    last_vitals_at: datetime | None
    news2_total: int | None
    news2_band: str | None
    news2_red_flag: bool
    news2_at: datetime | None
    alerts: list[Alert]
    now: datetime
    latest_values: dict[str, LatestValue] = field(default_factory=dict)

    @cached_property
    def patient(self) -> Patient:
        return self.admission.patient

    @cached_property
    def findings(self) -> dict[str, Any]:
        return self.state.findings if self.state else {}

    # --- the monitor's assessment -------------------------------------------------------
    @cached_property
    def assessed_at(self) -> datetime | None:
        return self.state.assessed_at if self.state else None

    @cached_property
    def monitor(self) -> MonitorHealth:
        """Is the monitor evaluating this patient? Its words replace any part of the stored
        assessment it no longer vouches for (§6 (v2))."""
        return monitor_health(self.state, admitted_at=self.admission.admitted_at, now=self.now)

    @cached_property
    def assessment_stale(self) -> bool:
        return not self.monitor.ok

    def _part(self, part: str) -> dict[str, Any] | None:
        """The stored finding of ``part``, only while it is current."""
        return self.findings.get(part) if self.monitor.is_current(part) else None

    def _not_current_words(self) -> str:
        return "Not assessed" if self.assessed_at is None else "Not monitored"

    @cached_property
    def crs_grade(self) -> int | None:
        return (self._part("crs") or {}).get("grade")

    @cached_property
    def crs_words(self) -> str:
        if not self.monitor.is_current("crs"):
            return self._not_current_words()
        return crs_words(self.findings.get("crs"), assessed=self.assessed_at is not None)

    @cached_property
    def vls_severity(self) -> str | None:
        return (self._part("vls") or {}).get("severity")

    @cached_property
    def vls_words(self) -> str:
        if not self.monitor.is_current("vls"):
            return self._not_current_words()
        return vls_words(self.findings.get("vls"))

    @cached_property
    def vls_signs(self) -> list[str]:
        return vls_signs(self._part("vls"))

    @cached_property
    def precheck(self) -> dict[str, Any] | None:
        if not self.monitor.is_current("precheck"):
            return None
        return precheck_of(self.findings, self.therapy.next_dose)

    @cached_property
    def precheck_words(self) -> str:
        if self.therapy.next_dose is not None and not self.monitor.is_current("precheck"):
            return self._not_current_words()
        return precheck_words(self.precheck, self.therapy.next_dose)

    # --- NEWS2 and vitals -----------------------------------------------------------------
    @cached_property
    def latest_items(self) -> list[LatestValueItem]:
        return latest_value_items(self.latest_values)

    @cached_property
    def news2_band_words(self) -> str:
        return News2Band(self.news2_band).label if self.news2_band else ""

    @cached_property
    def due_interval(self) -> timedelta:
        minutes = self.findings.get("due_interval_minutes")
        return timedelta(minutes=minutes) if minutes else DEFAULT_DUE_INTERVAL

    @cached_property
    def vitals_due_at(self) -> datetime | None:
        reference = self.last_vitals_at or self.admission.admitted_at
        return reference + self.due_interval

    @cached_property
    def vitals_status(self) -> str:
        """``ok``, ``due`` (amber: most of the interval gone) or ``overdue`` (red)."""
        reference = self.last_vitals_at or self.admission.admitted_at
        age = self.now - reference
        if age > self.due_interval:
            return "overdue"
        if age >= self.due_interval * DUE_SOON_FRACTION:
            return "due"
        return "ok"

    # --- the next dose --------------------------------------------------------------------
    @cached_property
    def next_dose(self) -> Dose | None:
        return self.therapy.next_dose

    @cached_property
    def seconds_to_next_dose(self) -> int | None:
        if self.next_dose is None:
            return None
        return int((self.next_dose.scheduled_at - self.now).total_seconds())

    @cached_property
    def dose_status(self) -> str:
        """``none``, ``scheduled``, ``due`` (within the 2 h pre-check window) or ``overdue``."""
        seconds = self.seconds_to_next_dose
        if seconds is None or self.therapy.status != CourseStatus.ACTIVE:
            return "none"
        if seconds < 0:
            return "overdue"
        return "due" if seconds <= PRECHECK_WINDOW.total_seconds() else "scheduled"

    # --- alerts and risk ------------------------------------------------------------------
    @cached_property
    def top_severity_rank(self) -> int:
        return max((a.severity_rank for a in self.alerts), default=-1)

    @cached_property
    def top_severity_words(self) -> str:
        return SEVERITY_WORDS.get(self.top_severity_rank, "None")

    @cached_property
    def unacknowledged(self) -> int:
        return sum(1 for a in self.alerts if a.status == AlertStatus.ACTIVE)

    @cached_property
    def alerts_by_severity(self) -> list[tuple[str, str, list[Alert]]]:
        """(severity, its word, the alerts), most severe first; only severities present."""
        groups = []
        for severity in (Severity.EMERGENCY, Severity.URGENT, Severity.ROUTINE):
            alerts = [a for a in self.alerts if a.severity == severity]
            if alerts:
                groups.append((severity.value, severity.label, alerts))
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
            -self.overdue,
            *self.bed_key,
        )

    @cached_property
    def bed_key(self) -> tuple[Any, ...]:
        return (_natural(self.admission.ward), _natural(self.admission.bed))

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
                self.precheck_words,
                self.dose_status,
                self.vitals_status,
                ";".join(f"{item.label} {item.text}" for item in self.latest_items),
                self.therapy.doses_given,
                self.therapy.doses_held,
            )
        )


@dataclass
class Board:
    rows: list[BoardRow]
    ward: str
    sort: str
    generated_at: datetime
    wards: list[str] = field(default_factory=list)

    @property
    def emergency(self) -> int:
        return sum(1 for row in self.rows if row.top_severity_rank == 2)

    @property
    def urgent(self) -> int:
        return sum(1 for row in self.rows if row.top_severity_rank == 1)

    @property
    def unacknowledged(self) -> int:
        return sum(row.unacknowledged for row in self.rows)


def _board_admissions(*, user: Any, ward: str) -> Any:
    complete = VitalSigns.objects.filter(
        patient_id=OuterRef("patient_id"), entered_in_error=False, news2_total__isnull=False
    ).order_by("-taken_at", "-created_at")
    open_alerts = (
        Alert.objects.filter(status__in=OPEN_STATUSES)
        .select_related("acknowledged_by")
        .order_by("-severity_rank", "-opened_at")
    )
    return (
        observation_selectors.ward_board(user=user, ward=ward)
        .select_related("patient__monitor_state")
        .annotate(
            news2_at=Subquery(complete.values("taken_at")[:1]),
            complete_news2_total=Subquery(complete.values("news2_total")[:1]),
            complete_news2_band=Subquery(complete.values("news2_band")[:1]),
            complete_news2_red_flag=Subquery(complete.values("news2_red_flag")[:1]),
        )
        .prefetch_related(
            Prefetch("patient__alerts", queryset=open_alerts, to_attr="open_alerts"),
            Prefetch("patient__courses", queryset=_courses(), to_attr="board_courses"),
        )
    )


def _state(patient: Patient) -> MonitorState | None:
    try:
        return patient.monitor_state
    except MonitorState.DoesNotExist:
        return None


def ward_board(
    *, user: Any, ward: str = "", sort: str = "risk", now: datetime | None = None
) -> Board:
    """Every admitted patient (of ``ward``, if given), riskiest first unless ``sort="bed"``."""
    now = now or timezone.now()
    stays = list(_board_admissions(user=user, ward=ward))
    values = latest_values(patient_ids=[stay.patient_id for stay in stays])
    rows = [
        BoardRow(
            admission=stay,
            therapy=therapy_state_of(stay.patient.board_courses),
            state=_state(stay.patient),
            last_vitals_at=stay.last_vitals_at,
            news2_total=stay.complete_news2_total,
            news2_band=stay.complete_news2_band,
            news2_red_flag=bool(stay.complete_news2_red_flag),
            news2_at=stay.news2_at,
            alerts=stay.patient.open_alerts,
            now=now,
            latest_values=values[stay.patient_id],
        )
        for stay in stays
    ]
    sort = sort if sort in SORTS else "risk"
    rows.sort(key=(lambda row: row.risk_key) if sort == "risk" else (lambda row: row.bed_key))
    return Board(
        rows=rows,
        ward=ward,
        sort=sort,
        generated_at=now,
        wards=patient_selectors.wards(user=user),
    )
