"""Reads of bedside records shared by the pages and the API."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients import limits
from patients.models import Admission, FluidEntry, Observation, Patient, VitalSigns
from patients.selectors import patients as selectors
from patients.shifts import shift_bounds

RecordT = TypeVar("RecordT", bound=Observation)


def _with_people(records: QuerySet[RecordT]) -> QuerySet[RecordT]:
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
    """A patient's records of one kind, newest clinical time first; none unless ``user`` may
    see patients and read this kind of record.

    ``since`` ≤ clinical time < ``until``. Records entered in error are left out unless asked
    for: whoever reads a list to act on it must not act on a wrong value.
    """
    permission = f"patients.view_{model._meta.model_name}"
    if not (selectors.may_see_patients(user) and user.has_perm(permission)):
        return model._default_manager.none()
    return _records(
        patient=patient,
        model=model,
        since=since,
        until=until,
        include_entered_in_error=include_entered_in_error,
    )


def _records(
    *,
    patient: Patient,
    model: type[RecordT],
    since: datetime | None,
    until: datetime | None,
    include_entered_in_error: bool,
) -> QuerySet[RecordT]:
    time = model.CLINICAL_TIME
    records = model._default_manager.filter(patient_id=patient.pk)
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
    return _with_people(model._default_manager.filter(patient__in=visible)).get(pk=observation_id)


def latest_vitals(*, patient: Patient, with_news2: bool = False) -> VitalSigns | None:
    """The newest set not entered in error; with ``with_news2``, the newest complete set."""
    sets = VitalSigns.objects.filter(patient_id=patient.pk, entered_in_error=False)
    if with_news2:
        sets = sets.filter(news2_total__isnull=False)
    return sets.prefetch_related("vasopressors").order_by("-taken_at", "-created_at").first()


def recent_vitals(*, patient: Patient, hours: int = 24) -> QuerySet[VitalSigns]:
    """The sets of the last ``hours``, corrections included (the bedside page's own list)."""
    since = timezone.now() - timedelta(hours=hours)
    return _records(
        patient=patient, model=VitalSigns, since=since, until=None, include_entered_in_error=True
    )


def urine_output_ml(*, patient: Patient, hours: int = 8) -> int:
    """Urine recorded in periods that ended within the last ``hours`` (display only; the
    monitor's oliguria rule works on time-weighted periods)."""
    since = timezone.now() - timedelta(hours=hours)
    total = FluidEntry.objects.filter(
        patient_id=patient.pk, route="urine", entered_in_error=False, period_end__gte=since
    ).aggregate(total=Sum("volume_ml"))["total"]
    return int(total or 0)


@dataclass(frozen=True)
class FluidBalance:
    """Intake, output and the balance (intake − output) of periods ending in a span."""

    label: str
    start: datetime
    intake_ml: int
    output_ml: int

    @property
    def balance_ml(self) -> int:
        return self.intake_ml - self.output_ml


def fluid_balance(*, patient: Patient, now: datetime | None = None) -> list[FluidBalance]:
    """The running fluid balance of this shift (06–14, 14–22, 22–06) and of the last 24 h,
    counting the entries whose period ended in each span (display only), in one query."""
    now = now or timezone.now()
    shift_start, _ = shift_bounds(timezone.localtime(now))
    day_start = now - timedelta(hours=24)
    spans = {"shift": Q(period_end__gte=shift_start), "day": Q(period_end__gte=day_start)}
    sums: dict[str, Any] = {}
    for key, span in spans.items():
        for direction in ("intake", "output"):
            sums[f"{key}_{direction}"] = Sum(
                "volume_ml", filter=span & Q(direction=direction), default=0
            )
    totals = FluidEntry.objects.filter(
        patient_id=patient.pk, entered_in_error=False, period_end__gte=min(shift_start, day_start)
    ).aggregate(**sums)
    return [
        FluidBalance(
            "This shift", shift_start, int(totals["shift_intake"]), int(totals["shift_output"])
        ),
        FluidBalance("Last 24 h", day_start, int(totals["day_intake"]), int(totals["day_output"])),
    ]


def ward_board(*, user: Any, ward: str = "") -> QuerySet[Admission]:
    """The ward census for bedside entry: each open stay with its patient, the time of the
    patient's newest vital-signs set, and the NEWS2, band and time of the newest *complete*
    set (a newer partial or weight-only set never hides it), in one query."""
    newest = VitalSigns.objects.filter(
        patient_id=OuterRef("patient_id"), entered_in_error=False
    ).order_by("-taken_at", "-created_at")
    scored = newest.filter(news2_total__isnull=False)
    return selectors.admitted_patients(user=user, ward=ward).annotate(
        last_vitals_at=Subquery(newest.values("taken_at")[:1]),
        last_news2_at=Subquery(scored.values("taken_at")[:1]),
        last_news2_total=Subquery(scored.values("news2_total")[:1]),
        last_news2_band=Subquery(scored.values("news2_band")[:1]),
        last_news2_red_flag=Coalesce(Subquery(scored.values("news2_red_flag")[:1]), False),
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


@dataclass(frozen=True)
class NewestVitals:
    """What a patient's charted vital signs say now: the newest set (``latest``), the newest
    complete set (``complete``: the NEWS2 shown everywhere) and the newest value of each
    measurement with its own time (``values``)."""

    latest: VitalSigns | None = None
    complete: VitalSigns | None = None
    values: dict[str, LatestValue] = field(default_factory=dict)


def _newest_set(**filters: Any) -> Subquery:
    return Subquery(
        VitalSigns.objects.filter(patient_id=OuterRef("pk"), entered_in_error=False, **filters)
        .order_by("-taken_at", "-created_at")
        .values("pk")[:1]
    )


def newest_vitals(*, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, NewestVitals]:
    """For each patient (sets entered in error left out): the newest set, the newest complete
    set, and the newest value of every measurement keyed by the contract's field name in the
    order of ``limits.MEASUREMENT_FIELDS``. The oxygen flow is read with its device, from the
    same set (room air after oxygen has no flow, not the flow of an older set). Three queries
    whatever the number of patients: the ids of those sets, the sets, their vasopressors."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return {}
    names = [name for name in limits.MEASUREMENT_FIELDS if name != FLOW]
    annotations = {
        "newest": _newest_set(),
        "complete": _newest_set(news2_total__isnull=False),
        **{f"newest_{name}": _newest_set(**{f"{name}__isnull": False}) for name in names},
    }
    newest = list(
        Patient.objects.filter(pk__in=ids).annotate(**annotations).values("pk", *annotations)
    )
    set_ids = {row[key] for row in newest for key in annotations if row[key]}
    sets = VitalSigns.objects.select_related("entered_by").prefetch_related("vasopressors")
    by_id = sets.in_bulk(set_ids) if set_ids else {}
    found = {pk: NewestVitals() for pk in ids}
    for row in newest:
        values: dict[str, LatestValue] = {}
        for name in limits.MEASUREMENT_FIELDS:
            vitals = by_id.get(row[f"newest_{DEVICE if name == FLOW else name}"])
            if vitals is not None and getattr(vitals, name) is not None:
                values[name] = LatestValue(name, getattr(vitals, name), vitals.taken_at, vitals)
        found[row["pk"]] = NewestVitals(
            latest=by_id.get(row["newest"]), complete=by_id.get(row["complete"]), values=values
        )
    return found


def latest_values(*, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, LatestValue]]:
    """The newest value of each measurement per patient (``newest_vitals(...).values``)."""
    return {pk: newest.values for pk, newest in newest_vitals(patient_ids=patient_ids).items()}
