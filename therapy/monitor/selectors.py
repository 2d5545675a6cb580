"""Reads of the monitor: what changed since a patient's last evaluation (the sweep), and the
alerts a user may see."""

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.dateparse import parse_datetime

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


# A stand-in patient id: the query is compiled once with it, then run with the real one.
_SOME_PATIENT = uuid.UUID(int=0)


@functools.cache
def _as_of_query() -> tuple[str, tuple[Any, ...], int]:
    """A patient's row with ``latest_change`` as ``latest``, as SQL and parameters compiled
    once per process: compiling its nine subqueries was most of its cost (~8 ms of each
    evaluation), running it well under one (issue 16 profile)."""
    query = Patient.objects.filter(pk=_SOME_PATIENT).annotate(latest=latest_change())
    sql, params = query.query.sql_with_params()
    # The id as the database takes it: a UUID on PostgreSQL, 32 hex digits on SQLite (the
    # embedded mode of `make run`).
    stand_in = _patient_param(_SOME_PATIENT)
    (slot,) = [n for n, value in enumerate(params) if value in (_SOME_PATIENT, stand_in)]
    return sql, tuple(params), slot


def _patient_param(patient_id: uuid.UUID) -> Any:
    return Patient._meta.pk.get_db_prep_value(patient_id, connection)


def _as_of(latest: datetime | str | None) -> datetime | None:
    if isinstance(latest, str):  # SQLite: a raw query's annotation comes back as its text
        parsed = parse_datetime(latest)
        latest = parsed.replace(tzinfo=UTC) if parsed and parsed.tzinfo is None else parsed
    return None if latest is None or latest <= EPOCH else latest


def patient_as_of(*, patient_id: uuid.UUID) -> tuple[Patient | None, datetime | None]:
    """The patient and the time of their newest recorded change, in one query."""
    sql, params, slot = _as_of_query()
    values = list(params)
    values[slot] = _patient_param(uuid.UUID(str(patient_id)))
    for patient in Patient.objects.raw(sql, values):
        return patient, _as_of(getattr(patient, "latest", None))
    return None, None


def record_as_of(*, patient_id: uuid.UUID) -> datetime | None:
    return patient_as_of(patient_id=patient_id)[1]


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
