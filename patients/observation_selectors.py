"""Reads of bedside records shared by the pages and the API."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients import limits, selectors
from patients.models import Admission, FluidEntry, Observation, Patient, VitalSigns

RecordT = TypeVar("RecordT", bound=Observation)


def _with_people(records: QuerySet[Any]) -> QuerySet[Any]:
    records = records.select_related("entered_by", "entered_in_error_by")
    if records.model is VitalSigns:
        records = records.prefetch_related("vasopressors")
    return records


def observation_list(
    *,
    user: Any,
    patient: Patient,
    model: type[RecordT],
    since: datetime | None = None,
    until: datetime | None = None,
    include_entered_in_error: bool = False,
) -> QuerySet[RecordT]:
    """A patient's records of one kind, newest clinical time first.

    ``since`` ≤ clinical time < ``until``. Records entered in error are left out unless asked
    for: whoever reads a list to act on it must not act on a wrong value.
    """
    time = model.CLINICAL_TIME
    records = model.objects.filter(patient_id=patient.pk)
    if since is not None:
        records = records.filter(**{f"{time}__gte": since})
    if until is not None:
        records = records.filter(**{f"{time}__lt": until})
    if not include_entered_in_error:
        records = records.filter(entered_in_error=False)
    return _with_people(records).order_by(f"-{time}", "-created_at", "-id")


def observation_get(*, user: Any, model: type[RecordT], observation_id: uuid.UUID | str) -> RecordT:
    """One record of a patient the user may see (``model.DoesNotExist`` otherwise)."""
    visible = selectors.patient_list(user=user).values("pk")
    return _with_people(model.objects.filter(patient__in=visible)).get(pk=observation_id)


def latest_vitals(*, patient: Patient, with_news2: bool = False) -> VitalSigns | None:
    """The newest set not entered in error; with ``with_news2``, the newest complete set."""
    sets = VitalSigns.objects.filter(patient_id=patient.pk, entered_in_error=False)
    if with_news2:
        sets = sets.filter(news2_total__isnull=False)
    return sets.prefetch_related("vasopressors").order_by("-taken_at", "-created_at").first()


def recent_vitals(*, patient: Patient, hours: int = 24) -> QuerySet[VitalSigns]:
    since = timezone.now() - timedelta(hours=hours)
    return observation_list(
        user=None, patient=patient, model=VitalSigns, since=since, include_entered_in_error=True
    )


def urine_output_ml(*, patient: Patient, hours: int = 8) -> int:
    """Urine recorded in periods that ended within the last ``hours`` (display only; the
    monitor's oliguria rule works on time-weighted periods)."""
    since = timezone.now() - timedelta(hours=hours)
    total = FluidEntry.objects.filter(
        patient_id=patient.pk, route="urine", entered_in_error=False, period_end__gte=since
    ).aggregate(total=Sum("volume_ml"))["total"]
    return int(total or 0)


def ward_board(*, user: Any, ward: str = "") -> QuerySet[Admission]:
    """The ward census for bedside entry: each open stay with its patient and the time, NEWS2
    and band of the patient's newest vital-signs set, in one query."""
    newest = VitalSigns.objects.filter(
        patient_id=OuterRef("patient_id"), entered_in_error=False
    ).order_by("-taken_at", "-created_at")
    return selectors.admitted_patients(user=user, ward=ward).annotate(
        last_vitals_at=Subquery(newest.values("taken_at")[:1]),
        last_news2_total=Subquery(newest.values("news2_total")[:1]),
        last_news2_band=Subquery(newest.values("news2_band")[:1]),
        last_news2_red_flag=Coalesce(Subquery(newest.values("news2_red_flag")[:1]), False),
    )


DEVICE, FLOW = "oxygen_device", "oxygen_flow_l_min"


@dataclass(frozen=True)
class LatestValue:
    """The newest charted value of one measurement, with its own time and the set it came
    from: a newer partial set (a weight, a temperature) never hides the last blood pressure."""

    name: str
    value: Any
    taken_at: datetime
    vitals: VitalSigns

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "taken_at": self.taken_at, "vitals_id": self.vitals.pk}


def latest_values(*, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, LatestValue]]:
    """For each patient, the newest value of every vital-signs measurement (sets entered in
    error left out), keyed by the contract's field name, in the order of
    ``limits.MEASUREMENT_FIELDS``. The oxygen flow is read with its device, from the same set
    (room air after oxygen has no flow, not the flow of an older set). Two queries whatever
    the number of patients: the id of the newest set holding each measurement, then those
    sets."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return {}

    def newest_with(name: str) -> Subquery:
        return Subquery(
            VitalSigns.objects.filter(
                patient_id=OuterRef("pk"), entered_in_error=False, **{f"{name}__isnull": False}
            )
            .order_by("-taken_at", "-created_at")
            .values("pk")[:1]
        )

    names = [name for name in limits.MEASUREMENT_FIELDS if name != FLOW]
    newest = list(
        Patient.objects.filter(pk__in=ids)
        .annotate(**{f"newest_{name}": newest_with(name) for name in names})
        .values("pk", *(f"newest_{name}" for name in names))
    )
    set_ids = {row[key] for row in newest for key in row if key != "pk" and row[key]}
    sets = {row.pk: row for row in VitalSigns.objects.filter(pk__in=set_ids)}
    found: dict[uuid.UUID, dict[str, LatestValue]] = {pk: {} for pk in ids}
    for row in newest:
        values = found[row["pk"]]
        for name in limits.MEASUREMENT_FIELDS:
            vitals = sets.get(row[f"newest_{DEVICE if name == FLOW else name}"])
            if vitals is not None and getattr(vitals, name) is not None:
                values[name] = LatestValue(name, getattr(vitals, name), vitals.taken_at, vitals)
    return found
