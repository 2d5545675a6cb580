"""``patient_summaries``: the summaries of many admitted patients at once, for the ward-level
list of the API (clients that poll a ward). The same ``PatientSummary`` objects as
``summary.patient_summary`` builds one patient at a time (a test compares the two field by
field), read in a fixed number of queries whatever the number of patients on the page or the
length of their histories: one query per kind of row, none per patient."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Case, OuterRef, Prefetch, Subquery, When
from django.utils import timezone

from patients.models import Admission, Patient, VitalSigns
from patients.observation_selectors import latest_values
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    Course,
    CourseStatus,
    Dose,
    DoseStatus,
    MonitorState,
)
from therapy.summary import PatientSummary, TherapyState, assessed


def therapy_state_from(courses: Sequence[Course]) -> TherapyState:
    """``summary.therapy_state`` over one patient's courses with their doses prefetched, in
    that function's order (active course first, then the latest)."""
    if not courses:
        return TherapyState(course=None)
    course = courses[0]
    doses = list(course.doses.all())  # prefetched, by cycle and number
    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    cycle = next_dose.cycle if next_dose else max((d.cycle for d in doses), default=None)
    in_cycle = [d for d in doses if d.cycle == cycle]
    return TherapyState(
        course=course,
        cycle=cycle,
        doses_given=sum(1 for d in in_cycle if d.status == DoseStatus.GIVEN),
        doses_held=sum(1 for d in in_cycle if d.status == DoseStatus.HELD),
        max_doses=course.max_doses_per_cycle,
        next_dose=next_dose,
    )


def _latest_vitals(patient_ids: list[Any]) -> dict[Any, VitalSigns]:
    newest = (
        VitalSigns.objects.filter(patient=OuterRef("pk"), entered_in_error=False)
        .order_by("-taken_at", "-created_at")
        .values("pk")[:1]
    )
    newest_ids = (
        Patient.objects.filter(pk__in=patient_ids)
        .annotate(newest=Subquery(newest))
        .filter(newest__isnull=False)
        .values("newest")
    )
    rows = (
        VitalSigns.objects.filter(pk__in=newest_ids)
        .select_related("entered_by")
        .prefetch_related("vasopressors")
    )
    return {row.patient_id: row for row in rows}


def patient_summaries(*, user: Any, admissions: Sequence[Admission]) -> list[PatientSummary]:
    """One summary per open admission given (with its patient selected), in the same order."""
    patient_ids = [admission.patient_id for admission in admissions]
    if not patient_ids:
        return []
    courses: dict[Any, list[Course]] = defaultdict(list)
    for course in (
        Course.objects.filter(patient_id__in=patient_ids)
        .annotate(active_first=Case(When(status=CourseStatus.ACTIVE, then=0), default=1))
        .order_by("patient_id", "active_first", "-cycle_1_start")
        .prefetch_related(Prefetch("doses", queryset=Dose.objects.order_by("cycle", "number")))
    ):
        courses[course.patient_id].append(course)
    latest = _latest_vitals(patient_ids)
    values = latest_values(patient_ids=patient_ids)
    states = {s.patient_id: s for s in MonitorState.objects.filter(patient_id__in=patient_ids)}
    alerts: dict[Any, list[Alert]] = defaultdict(list)
    for alert in (
        Alert.objects.filter(patient_id__in=patient_ids, status__in=OPEN_STATUSES)
        .select_related("acknowledged_by")
        .order_by("-severity_rank", "-opened_at")
    ):
        alerts[alert.patient_id].append(alert)
    generated_at = timezone.now()
    summaries = []
    for admission in admissions:
        patient = admission.patient
        patient.open_admissions = [admission]  # what ``open_admission(patient)`` reads first
        summaries.append(
            PatientSummary(
                patient=patient,
                admission=admission,
                therapy=therapy_state_from(courses[patient.pk]),
                latest_vitals=latest.get(patient.pk),
                state=assessed(states.get(patient.pk)),
                monitor_state=states.get(patient.pk),
                active_alerts=alerts[patient.pk],
                generated_at=generated_at,
                latest_values=values[patient.pk],
            )
        )
    return summaries
