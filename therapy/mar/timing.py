"""When a dose decision may be recorded, and what it is checked against (clinical-rules.md §4
(v2)): the moment of recording over everything recorded by then, the decision's own time
(late documentation, never before the previous decision), and the minimum interval between
given doses. Comparisons of datetimes only: any date the API accepts is answered, never a 500.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.errors import ConflictError
from patients.models import ClinicalEvent, FluidEntry, LabResult, Patient, VitalSigns
from therapy.models import Course, Dose
from therapy.rules.inputs import DoseStatus
from therapy.rules.profile import DosingSettings
from therapy.rules.schedule import earliest_next_dose

CLOCK_SKEW = timedelta(minutes=5)  # devices may run a little ahead of the server
EARLIEST_BEFORE_SCHEDULE = timedelta(hours=2)  # a dose is not given more than 2 h early
TOO_EARLY = "Too early: more than 2 hours before the scheduled time."
# Why each decision is refused before the window, and what, if anything, may be done instead.
TOO_EARLY_GIVE = (
    f"{TOO_EARLY} A dose is never given early: the q8h spacing is a safety rule, so it waits "
    "for its window."
)
TOO_EARLY_HOLD = (
    f"{TOO_EARLY} A physician may hold it early as a documented early decision, with the "
    "reason written down."
)


def recording_moment(*, patient: Patient, now: datetime) -> datetime:
    """What a check made at ``now`` reads up to: ``now``, or later when a record already
    stored is timed a little ahead of the server (a device clock running fast, allowed up to
    CLOCK_SKEW) — everything recorded counts, so a set charted at 10:03 by a tablet whose clock
    is 3 minutes fast is in the check made at 10:00 (clinical-rules.md §4 (v2))."""
    ahead = {"patient": patient, "entered_in_error": False}
    window = (now, now + CLOCK_SKEW)
    # One query; each part unordered (the models order by default, and SQLite refuses an
    # ORDER BY inside a compound statement).
    parts = [
        model.objects.filter(**ahead, **{f"{field}__range": window})
        .order_by()
        .values_list(field, flat=True)
        for model, field in (
            (VitalSigns, "taken_at"),
            (LabResult, "collected_at"),
            (ClinicalEvent, "observed_at"),
            (FluidEntry, "period_end"),
        )
    ]
    times: list[datetime] = list(parts[0].union(*parts[1:], all=True))
    return max([now, *times])


def local_time(value: datetime, *, now: datetime) -> str:
    """A time in the site's zone as the ward says it: "14:05" today, "3 Dec 14:05" otherwise."""
    local, today = timezone.localtime(value), timezone.localtime(now).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local.day} {local:%b %H:%M}"


def _previous_decision(course: Course) -> Dose | None:
    """The course's latest given or held dose (corrections, entered in error, do not count)."""
    return (
        course.doses.filter(status__in=[DoseStatus.GIVEN, DoseStatus.HELD])
        .annotate(decided_at=Coalesce("given_at", "held_at"))
        .order_by("-decided_at")
        .first()
    )


def window_opens_at(dose: Dose) -> datetime:
    """The start of the dose's decision window: 2 h before its scheduled time (§4 (v2))."""
    return dose.scheduled_at - EARLIEST_BEFORE_SCHEDULE


def before_window(value: datetime, dose: Dose) -> bool:
    """Whether a decision timed ``value`` would come before the dose's window opens."""
    return value < window_opens_at(dose)


def check_decision_time(
    name: str,
    value: datetime,
    locked: Dose,
    *,
    now: datetime,
    dosing: DosingSettings,
    early_hold: bool = False,
) -> None:
    """A decision's clinical time: not in the future, at most ``late_entry_max_minutes``
    before it is recorded, never before the course's previous decision, and not more than 2 h
    before the dose's scheduled time (§4 (v2)) — unless it is a physician's documented early
    hold (``early_hold``, which the caller has authorised); a give is never early.
    Comparisons only: any datetime is answered."""
    late = timedelta(minutes=dosing.late_entry_max_minutes)
    errors: list[str] = []
    if value > now + CLOCK_SKEW:
        errors.append("Time cannot be in the future.")
    elif value < now - late:
        errors.append(
            f"Too far back: a dose decision may be recorded at most "
            f"{dosing.late_entry_max_minutes} minutes after it happened (not before "
            f"{local_time(now - late, now=now)})."
        )
    previous = _previous_decision(locked.course)
    previous_at = None if previous is None else previous.given_at or previous.held_at
    if previous is not None and previous_at is not None and value < previous_at:
        errors.append(
            f"Before this course's previous decision (cycle {previous.cycle} dose "
            f"{previous.number}, {previous.status} at {local_time(previous_at, now=now)}): "
            "a decision cannot be recorded before it."
        )
    if before_window(value, locked) and not early_hold and not errors:
        errors.append(TOO_EARLY_GIVE if name == "given_at" else TOO_EARLY_HOLD)
    if errors:
        raise ValidationError({name: errors})


def check_dose_interval(
    course: Course, given_at: datetime, *, now: datetime, dosing: DosingSettings
) -> None:
    """No dose less than ``min_hours_between_doses`` after the previous given dose (409).

    Stricter than "the previous given dose of the course" in two ways, both closing a way
    round it: the patient's other courses count (discontinue and re-order), and so does a give
    since marked entered in error (it may have gone in: give, mark in error, give again). The
    next slot after a dose is normally 8 h later, so a genuine correction rarely meets it. A
    ``given_at`` a little ahead of the server counts as now: a dose is not given later than it
    is recorded."""
    previous = (
        Dose.objects.filter(
            course__patient_id=course.patient_id,
            status__in=[DoseStatus.GIVEN, DoseStatus.ENTERED_IN_ERROR],
            given_at__isnull=False,
        )
        .order_by("-given_at")
        .first()
    )
    previous_at = previous.given_at if previous is not None else None
    earliest = earliest_next_dose(
        previous_given_at=previous_at, given_at=min(given_at, now), settings=dosing
    )
    if earliest is not None and previous is not None and previous_at is not None:
        corrected = (
            " (recorded, since marked entered in error)"
            if previous.status == DoseStatus.ENTERED_IN_ERROR
            else ""
        )
        raise ConflictError(
            f"The previous dose was given at {local_time(previous_at, now=now)}{corrected}; "
            f"this one can be given from {local_time(earliest, now=now)} (doses at least "
            f"{dosing.min_hours_between_doses} hours apart). It stays scheduled."
        )
