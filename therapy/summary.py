"""``patient_summary``: what a clinician sees at the bedside, in one read shared by the pages
and the API (api-contract.md, "Patient summary"). A fixed number of queries whatever the
length of the patient's history: the latest assessment is one row (``MonitorState``)."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import Case, Count, Q, When
from django.utils import timezone

from patients.models import Admission, Patient, VitalSigns
from patients.observation_selectors import LatestValue, latest_values
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    Course,
    CourseStatus,
    Dose,
    DoseStatus,
    MonitorState,
)
from therapy.monitor_health import MonitorHealth, monitor_health


@dataclass
class TherapyState:
    course: Course | None
    cycle: int | None = None
    doses_given: int = 0
    doses_held: int = 0
    max_doses: int | None = None
    next_dose: Dose | None = None

    @property
    def status(self) -> str:
        return "none" if self.course is None else self.course.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "course_id": str(self.course.pk) if self.course else None,
            "cycle": self.cycle,
            "doses_given": self.doses_given,
            "doses_held": self.doses_held,
            "max_doses": self.max_doses,
            "next_dose_id": str(self.next_dose.pk) if self.next_dose else None,
            "next_dose_at": self.next_dose.scheduled_at.isoformat() if self.next_dose else None,
            "status": self.status,
        }


@dataclass
class PatientSummary:
    patient: Patient
    admission: Admission | None
    therapy: TherapyState
    latest_vitals: VitalSigns | None
    state: MonitorState | None
    active_alerts: list[Alert] = field(default_factory=list)
    generated_at: datetime = field(default_factory=timezone.now)
    # The newest value of each measurement with its own time (api-contract.md v2).
    latest_values: dict[str, LatestValue] = field(default_factory=dict)
    # The state row with the monitor's health; ``state`` is it only once it holds an
    # assessment (a first evaluation that failed as a whole stores none).
    monitor_state: MonitorState | None = None

    @cached_property
    def monitor(self) -> MonitorHealth:
        row = self.monitor_state or self.state
        admitted_at = self.admission.admitted_at if self.admission else None
        return monitor_health(row, admitted_at=admitted_at, now=self.generated_at)

    @property
    def findings(self) -> dict[str, Any]:
        return self.state.findings if self.state else {}

    @property
    def news2(self) -> dict[str, Any] | None:
        """NEWS2 is stored on the vitals row when it is recorded: while the monitor is not
        evaluating, the newest set's own score (when complete) rather than an old finding."""
        latest = self.latest_vitals
        if not self.monitor.is_current("news2") and latest and latest.news2_total is not None:
            return latest.news2()
        return self.findings.get("news2")

    # The monitor's judgements, only while it vouches for them: a stale "grade 0" or "give"
    # of a patient it has stopped evaluating is never shown as current (§6 (v2)).
    @property
    def crs(self) -> dict[str, Any] | None:
        return self.findings.get("crs") if self.monitor.is_current("crs") else None

    @property
    def vls(self) -> dict[str, Any] | None:
        return self.findings.get("vls") if self.monitor.is_current("vls") else None

    @property
    def precheck(self) -> dict[str, Any] | None:
        return self.findings.get("precheck") if self.monitor.is_current("precheck") else None


def assessed(state: MonitorState | None) -> MonitorState | None:
    """The state row as "the latest assessment": None until one is stored."""
    return state if state is not None and state.assessed_at is not None else None


def therapy_state(patient: Patient) -> TherapyState:
    """The active course (else the latest), its current cycle's counts and the next dose."""
    course = (
        Course.objects.filter(patient=patient)
        .annotate(active_first=Case(When(status=CourseStatus.ACTIVE, then=0), default=1))
        .order_by("active_first", "-cycle_1_start")
        .first()
    )
    if course is None:
        return TherapyState(course=None)
    next_dose = (
        Dose.objects.filter(course=course, status=DoseStatus.SCHEDULED)
        .order_by("cycle", "number")
        .first()
    )
    cycle = (
        next_dose.cycle
        if next_dose
        else course.doses.order_by("-cycle").values_list("cycle", flat=True).first()
    )
    counts = Dose.objects.filter(course=course, cycle=cycle).aggregate(
        given=Count("pk", filter=Q(status=DoseStatus.GIVEN)),
        held=Count("pk", filter=Q(status=DoseStatus.HELD)),
    )
    return TherapyState(
        course=course,
        cycle=cycle,
        doses_given=counts["given"],
        doses_held=counts["held"],
        max_doses=course.max_doses_per_cycle,
        next_dose=next_dose,
    )


def patient_summary(*, user: Any, patient: Patient) -> PatientSummary:
    admission = Admission.objects.filter(patient=patient, discharged_at__isnull=True).first()
    latest = (
        VitalSigns.objects.filter(patient=patient, entered_in_error=False)
        .select_related("entered_by")
        .prefetch_related("vasopressors")
        .order_by("-taken_at", "-created_at")
        .first()
    )
    state = MonitorState.objects.filter(patient=patient).first()
    return PatientSummary(
        patient=patient,
        admission=admission,
        therapy=therapy_state(patient),
        latest_vitals=latest,
        state=assessed(state),
        monitor_state=state,
        active_alerts=list(
            Alert.objects.filter(patient=patient, status__in=OPEN_STATUSES)
            .select_related("acknowledged_by")
            .order_by("-severity_rank", "-opened_at")
        ),
        latest_values=latest_values(patient_ids=[patient.pk])[patient.pk],
    )
