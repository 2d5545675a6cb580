"""Services of the IL-2 medication administration record: order a course, check, give, hold,
discontinue, correct. Every write validates, locks what it must, writes, and tells the monitor."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from patients.errors import ConflictError
from patients.history import history_user_set
from patients.models import Admission, Patient
from patients.monitor_hook import notify_monitor
from therapy.mar.timing import (
    before_window,
    check_decision_time,
    check_dose_interval,
    local_time,
    recording_moment,
    window_opens_at,
)
from therapy.mar.verifier import verifier_refusal
from therapy.models import Course, CourseStatus, Dose
from therapy.profiles import rule_profile_active, rules_profile
from therapy.record import dose_records, patient_record
from therapy.rules import (
    DoseInputError,
    PrecheckResult,
    Recommendation,
    RuleProfile,
    ScheduleInputError,
    administration_refusals,
    course_schedule,
    dose_calculate,
    precheck_dose,
)
from therapy.rules.inputs import DoseStatus
from therapy.rules.profile import CriterionCode
from therapy.rules.schedule import course_start_errors


def _require(by: Any, perm: str, message: str) -> None:
    if not by.has_perm(perm):
        raise PermissionDenied(message)


@transaction.atomic
def course_order(
    *,
    patient: Patient,
    by: Any,
    cycle_1_start: datetime,
    cycle_2_start: datetime | None = None,
    dose_iu_per_kg: int = 600_000,
    dosing_weight_kg: Decimal | None = None,
    interval_hours: int = 8,
    max_doses_per_cycle: int = 14,
    now: datetime | None = None,
) -> Course:
    """A physician orders a course; the dose arithmetic and the q8h schedule come from the
    rules engine with the site's active profile, and are stored as computed. Cycle 1 starts
    within the profile's window around ``now`` (the moment of ordering; only the demo ward and
    tests pass it, to record history as it happened)."""
    _require(by, "therapy.add_course", "Only a physician may order an IL-2 course.")
    now = now or timezone.now()
    Patient.objects.select_for_update().get(pk=patient.pk)
    if Course.objects.filter(patient=patient, status=CourseStatus.ACTIVE).exists():
        raise ConflictError("This patient already has an active IL-2 course.")
    weight = patient.baseline_weight_kg if dosing_weight_kg is None else dosing_weight_kg
    profile_row = rule_profile_active()
    profile = rules_profile(profile_row)
    errors: dict[str, list[str]] = course_start_errors(
        cycle_1_start=cycle_1_start, cycle_2_start=cycle_2_start, now=now, settings=profile.dosing
    )
    try:
        calculation = dose_calculate(
            dose_iu_per_kg=dose_iu_per_kg, dosing_weight_kg=weight, profile=profile
        )
    except DoseInputError as error:
        errors.update(error.errors)
    try:
        slots = course_schedule(
            cycle_1_start=cycle_1_start,
            cycle_2_start=cycle_2_start,
            interval_hours=interval_hours,
            max_doses_per_cycle=max_doses_per_cycle,
        )
    except ScheduleInputError as error:
        for name, messages in error.errors.items():
            errors.setdefault(name, messages)  # a start already refused is named once
    if errors:
        raise ValidationError(errors)
    course = Course(
        patient=patient,
        dose_iu_per_kg=dose_iu_per_kg,
        dosing_weight_kg=calculation.dosing_weight_kg,
        interval_hours=interval_hours,
        max_doses_per_cycle=max_doses_per_cycle,
        cycle_1_start=cycle_1_start,
        cycle_2_start=cycle_2_start,
        dose_iu=calculation.dose_iu,
        volume_ml=calculation.volume_ml,
        vials=calculation.vials,
        rule_version=profile_row.label,
        ordered_by=by,
    )
    history_user_set(course, by)
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as error:
        raise ConflictError("This patient already has an active IL-2 course.") from error
    bulk_create_with_history(
        [
            Dose(
                course=course,
                cycle=slot.cycle,
                number=slot.number,
                scheduled_at=slot.scheduled_at,
                dose_iu=calculation.dose_iu,
            )
            for slot in slots
        ],
        Dose,
        default_user=by,
    )
    notify_monitor(patient_id=patient.pk, reason="course")
    return course


def dose_check(
    *, dose: Dose, at: datetime | None = None, profile: RuleProfile | None = None
) -> PrecheckResult:
    """The pre-dose check of a dose on the patient's data as of ``at`` (default: everything
    recorded by now, :func:`recording_moment`)."""
    course = dose.course
    at = at or recording_moment(patient=course.patient, now=timezone.now())
    profile = profile or rules_profile(rule_profile_active())
    record = patient_record(patient=course.patient, at=at, profile=profile, course=course)
    return precheck_dose(
        record,
        cycle=dose.cycle,
        dose_number=dose.number,
        scheduled_at=dose.scheduled_at,
        at=at,
        profile=profile,
    )


def _snapshot(result: PrecheckResult) -> dict[str, Any]:
    return result.to_dict()


def _lock(dose: Dose) -> Dose:
    return Dose.objects.select_for_update().select_related("course__patient").get(pk=dose.pk)


def _decidable(locked: Dose) -> tuple[Course, Admission]:
    """The refusals common to giving and holding: course state, schedule, admission."""
    course = locked.course
    if course.status != CourseStatus.ACTIVE:
        raise ConflictError(f"The course is {course.status}: no dose can be given or held.")
    if locked.status != DoseStatus.SCHEDULED:
        raise ConflictError(f"This dose is already {locked.get_status_display().lower()}.")
    refusals = administration_refusals(
        dose_records(course),
        cycle=locked.cycle,
        number=locked.number,
        max_doses_per_cycle=course.max_doses_per_cycle,
    )
    if refusals:
        raise ConflictError(" ".join(reason[0].upper() + reason[1:] + "." for reason in refusals))
    admission = Admission.objects.filter(patient=course.patient, discharged_at__isnull=True).first()
    if admission is None:
        raise ConflictError("The patient is not admitted: doses are given to inpatients only.")
    return course, admission


@transaction.atomic
def dose_administer(
    *,
    dose: Dose,
    by: Any,
    verifier: Any,
    given_at: datetime,
    override_reason: str = "",
    now: datetime | None = None,
) -> Dose:
    """Give a dose, confirmed by a second clinician whose credentials the caller has checked
    (:func:`therapy.mar.verifier.verifier_confirm`).

    The pre-dose check is computed as the dose is recorded, over everything recorded by then,
    whatever ``given_at`` says: back-dating never removes data from the check, and the dose
    keeps that check. Refused when it is not ``give`` unless a physician overrides with a
    reason; refused when the dose is not the next due one, is already decided, comes less than
    the profile's minimum interval after the previous dose, the cycle or course is full, or
    the course is not active. The row lock makes two simultaneous requests give the dose once;
    the database refuses a given dose without a distinct verifier. ``now`` (the moment of
    recording) is passed only by the demo ward and tests, to record history as it happened."""
    _require(by, "therapy.administer_dose", "Only a nurse or physician may give a dose.")
    override_reason = override_reason.strip()
    refusal = verifier_refusal(by=by, verifier=verifier)
    if refusal:
        raise ValidationError(refusal)
    locked = _lock(dose)
    course, admission = _decidable(locked)
    now = now or timezone.now()
    profile = rules_profile(rule_profile_active())
    check_decision_time("given_at", given_at, locked, now=now, dosing=profile.dosing)
    check_dose_interval(course, given_at, now=now, dosing=profile.dosing)
    at = recording_moment(patient=course.patient, now=now)
    result = dose_check(dose=locked, at=at, profile=profile)
    if result.recommendation is not Recommendation.GIVE:
        if not override_reason:
            reasons = ", ".join(result.hold_reasons) or "vitals are missing or older than 2 hours"
            raise ConflictError(
                f"The pre-dose check says {result.recommendation.value.replace('_', ' ')} "
                f"({reasons}). A physician may give it with an override reason."
            )
        _require(
            by, "therapy.override_precheck", "Only a physician may override the pre-dose check."
        )
    elif override_reason:
        raise ValidationError(
            {"override_reason": ["The pre-dose check says give: nothing to override."]}
        )
    return _decide(
        locked,
        by=by,
        course=course,
        status=DoseStatus.GIVEN,
        given_at=given_at,
        given_by=by,
        verified_by=verifier,
        admission=admission,
        precheck=_snapshot(result),
        override_reason=override_reason,
        overridden_by=by if override_reason else None,
    )


@transaction.atomic
def dose_hold(
    *,
    dose: Dose,
    by: Any,
    reasons: list[str],
    note: str = "",
    early_reason: str = "",
    held_at: datetime | None = None,
    now: datetime | None = None,
) -> Dose:
    """Hold a dose with the criterion codes that justify it. A held dose is not made up. Its
    time and its stored check follow the rules of giving (:func:`dose_administer`).

    Before the dose's window (more than 2 h before its time) a hold is refused, except as a
    physician's documented early decision: ``early_reason`` says why, and is kept on the dose
    with who (``held_by``) and when (``held_at``) — issue 14. An early reason on a dose whose
    window is open is refused: there is nothing early to document."""
    _require(by, "therapy.administer_dose", "Only a nurse or physician may hold a dose.")
    early_reason = early_reason.strip()
    if early_reason:
        _require(
            by,
            "therapy.hold_dose_early",
            "Only a physician may hold a dose before its window (a documented early decision).",
        )
    known = {code.value for code in CriterionCode} | {"clinical_judgement"}
    unknown = [code for code in reasons if code not in known]
    errors: dict[str, list[str]] = {}
    if not reasons:
        errors["reasons"] = ["Give at least one reason (a hold criterion code)."]
    elif unknown:
        errors["reasons"] = [f"Unknown hold reason: {', '.join(unknown)}."]
    if "clinical_judgement" in reasons and not note.strip():
        errors["note"] = ["Describe the clinical judgement in the note."]
    if errors:
        raise ValidationError(errors)
    locked = _lock(dose)
    course, admission = _decidable(locked)
    now = now or timezone.now()
    held_at = held_at or now
    if early_reason and not before_window(held_at, locked):
        opens = local_time(window_opens_at(locked), now=now)
        message = f"The dose's window is open (from {opens}): hold it without an early reason."
        raise ValidationError({"early_reason": [message]})
    profile = rules_profile(rule_profile_active())
    check_decision_time(
        "held_at", held_at, locked, now=now, dosing=profile.dosing, early_hold=bool(early_reason)
    )
    at = recording_moment(patient=course.patient, now=now)
    result = dose_check(dose=locked, at=at, profile=profile)
    return _decide(
        locked,
        by=by,
        course=course,
        status=DoseStatus.HELD,
        held_at=held_at,
        held_by=by,
        hold_reasons=list(dict.fromkeys(reasons)),
        note=note.strip(),
        early_reason=early_reason,
        admission=admission,
        precheck=_snapshot(result),
    )


@transaction.atomic
def course_discontinue(*, course: Course, by: Any, reason: str) -> Course:
    """A physician stops the course; every dose still scheduled is cancelled."""
    _require(by, "therapy.discontinue_course", "Only a physician may discontinue a course.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the course is discontinued."]})
    locked = Course.objects.select_for_update().get(pk=course.pk)
    if locked.status != CourseStatus.ACTIVE:
        raise ConflictError(f"The course is already {locked.status}.")
    locked.status = CourseStatus.DISCONTINUED
    locked.discontinued_at = timezone.now()
    locked.discontinued_by = by
    locked.discontinue_reason = reason.strip()
    history_user_set(locked, by)
    locked.save()
    for dose in locked.doses.select_for_update().filter(status=DoseStatus.SCHEDULED):
        dose.status = DoseStatus.CANCELLED
        dose.note = "Cancelled: course discontinued."
        history_user_set(dose, by)
        dose.save(update_fields=["status", "note", "updated_at"])
    notify_monitor(patient_id=locked.patient_id, reason="course")
    return locked


@transaction.atomic
def dose_mark_entered_in_error(*, dose: Dose, by: Any, reason: str) -> Dose:
    """Correct a dose decision recorded by mistake: the row stays, marked, with the reason."""
    _require(by, "therapy.administer_dose", "Only a nurse or physician may correct a dose record.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say what was entered in error."]})
    locked = _lock(dose)
    if locked.status not in (DoseStatus.GIVEN, DoseStatus.HELD):
        raise ConflictError("Only a given or held dose can be marked entered in error.")
    locked.status = DoseStatus.ENTERED_IN_ERROR
    locked.entered_in_error_reason = reason.strip()
    history_user_set(locked, by)
    locked.save(update_fields=["status", "entered_in_error_reason", "updated_at"])
    notify_monitor(patient_id=locked.course.patient_id, reason="dose")
    return locked


def _decide(locked: Dose, *, by: Any, course: Course, **decision: Any) -> Dose:
    """Claim a scheduled dose for a decision (given or held) with a conditional update, so a
    decision made a moment ago by someone else is refused, never overwritten; then record its
    history, complete the course if nothing is left, and tell the monitor."""
    claimed = Dose.objects.filter(pk=locked.pk, status=DoseStatus.SCHEDULED).update(
        **decision, updated_at=timezone.now()
    )
    if claimed != 1:
        raise ConflictError("This dose was decided by someone else a moment ago.")
    locked.refresh_from_db()
    _record_history(locked, by)
    _complete_if_done(course)
    notify_monitor(patient_id=course.patient_id, reason="dose")
    return locked


def _record_history(dose: Dose, by: Any) -> None:
    """QuerySet.update() bypasses simple-history: write the history row for the decision."""
    history_user_set(dose, by)
    dose.save(update_fields=["updated_at"])


def _complete_if_done(course: Course) -> None:
    if not course.doses.filter(status=DoseStatus.SCHEDULED).exists():
        Course.objects.filter(pk=course.pk, status=CourseStatus.ACTIVE).update(
            status=CourseStatus.COMPLETED
        )
