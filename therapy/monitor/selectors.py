"""Reads of the monitor: what changed since a patient's last evaluation (the sweep), and the
alerts a user may see."""

import uuid
from datetime import UTC, datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from patients.models import (
    Admission,
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Patient,
    SupportiveMedication,
    VitalSigns,
)
from patients.selectors.patients import may_see_patients
from therapy.models import Alert, Course, Dose, PatientEvaluation

OBSERVATION_MODELS = (VitalSigns, FluidEntry, LabResult, SupportiveMedication, ClinicalEvent)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest(model: Any, patient_path: str) -> Coalesce:
    return Coalesce(
        Subquery(
            model.objects.filter(**{patient_path: OuterRef("pk")})
            .order_by("-updated_at")
            .values("updated_at")[:1]
        ),
        Value(EPOCH),
    )


def latest_change() -> Greatest:
    """For a Patient row: the time of the newest recorded change the monitor must look at
    (a stay, any bedside record or its correction, a course or a dose decision).

    The one definition used both by an evaluation (``record_as_of``) and by the sweep."""
    sources = [
        (Admission, "patient_id"),
        *((model, "patient_id") for model in OBSERVATION_MODELS),
        (Course, "patient_id"),
        (Dose, "course__patient_id"),
    ]
    return Greatest(*(_newest(model, path) for model, path in sources))


def record_as_of(*, patient_id: uuid.UUID) -> datetime | None:
    latest = (
        Patient.objects.filter(pk=patient_id)
        .annotate(latest=latest_change())
        .values_list("latest", flat=True)
        .first()
    )
    return None if latest is None or latest <= EPOCH else latest


def patients_needing_evaluation() -> list[uuid.UUID]:
    """Admitted patients whose newest recorded change is newer than their last evaluation."""
    last_evaluated = Subquery(
        PatientEvaluation.objects.filter(patient_id=OuterRef("pk"))
        .order_by("-record_as_of")
        .values("record_as_of")[:1]
    )
    return list(
        Patient.objects.filter(admissions__discharged_at__isnull=True)
        .annotate(latest=latest_change(), last_evaluated=last_evaluated)
        .filter(Q(last_evaluated__isnull=True) | Q(last_evaluated__lt=F("latest")))
        .values_list("pk", flat=True)
    )


def alerts_visible(*, user: Any) -> QuerySet[Alert]:
    """The alerts ``user`` may see, most severe and newest first: none without the role to
    read patients and alerts."""
    if not (may_see_patients(user) and user.has_perm("therapy.view_alert")):
        return Alert.objects.none()
    return Alert.objects.select_related("acknowledged_by").order_by("-severity_rank", "-opened_at")
