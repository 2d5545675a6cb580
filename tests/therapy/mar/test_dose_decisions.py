"""Giving and holding doses: the pre-dose check, the second checker, overrides, and every
refusal of clinical-rules.md §4 and issue #5, each with its message."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from patients.errors import ConflictError
from patients.services.patients import admission_discharge
from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar import courses
from therapy.models import DoseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_nurse(make_user):  # type: ignore[no-untyped-def]
    return make_user("nurse", username="nurse.two")


@pytest.fixture
def course(admission, physician):  # type: ignore[no-untyped-def]
    return order_course(admission.patient, physician)


def first_dose(course):  # type: ignore[no-untyped-def]
    return course.doses.get(cycle=1, number=1)


def test_give_with_normal_vitals_records_giver_checker_and_the_precheck(
    course, nurse, second_nurse
):
    record_vitals(course.patient, nurse)

    dose = courses.dose_administer(
        dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )

    assert dose.status == DoseStatus.GIVEN
    assert (dose.given_by, dose.verified_by) == (nurse, second_nurse)
    assert dose.precheck["recommendation"] == "give"
    assert dose.precheck["profile_version"] == "1"
    assert dose.history.first().history_user == nurse


def test_the_second_checker_must_be_another_clinician(course, nurse, pharmacist):
    record_vitals(course.patient, nurse)
    with pytest.raises(ValidationError, match="another person"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=nurse, given_at=timezone.now()
        )
    with pytest.raises(ValidationError, match="nurse or physician"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=pharmacist, given_at=timezone.now()
        )
    assert first_dose(course).status == DoseStatus.SCHEDULED


def test_hold_criteria_refuse_the_dose_unless_a_physician_overrides(
    course, nurse, second_nurse, physician
):
    record_vitals(course.patient, nurse, systolic_bp=84, diastolic_bp=50)

    with pytest.raises(ConflictError, match=r"says hold \(sbp_lt_90\)"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )
    with pytest.raises(PermissionDenied):
        courses.dose_administer(
            dose=first_dose(course),
            by=nurse,
            verifier=second_nurse,
            given_at=timezone.now(),
            override_reason="BP recovering after bolus",
        )
    assert first_dose(course).status == DoseStatus.SCHEDULED

    dose = courses.dose_administer(
        dose=first_dose(course),
        by=physician,
        verifier=nurse,
        given_at=timezone.now(),
        override_reason="BP 88 after bolus, asymptomatic",
    )
    assert dose.status == DoseStatus.GIVEN
    assert dose.overridden_by == physician and dose.precheck["recommendation"] == "hold"


def test_stale_vitals_mean_insufficient_data_and_no_dose(course, nurse, second_nurse):
    record_vitals(course.patient, nurse, minutes_ago=180)
    result = courses.dose_check(dose=first_dose(course))
    assert result.recommendation.value == "insufficient_data" and result.vitals_stale
    with pytest.raises(ConflictError, match="insufficient data"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )


def test_override_without_need_is_refused(course, nurse, physician):
    record_vitals(course.patient, nurse)
    with pytest.raises(ValidationError, match="nothing to override"):
        courses.dose_administer(
            dose=first_dose(course),
            by=physician,
            verifier=nurse,
            given_at=timezone.now(),
            override_reason="because",
        )


def test_only_the_next_due_dose_can_be_given_and_never_twice(course, nurse, second_nurse):
    record_vitals(course.patient, nurse)
    second = course.doses.get(cycle=1, number=2)
    with pytest.raises(
        ConflictError, match="Not the next due dose: cycle 1 dose 1 is still scheduled"
    ):
        courses.dose_administer(
            dose=second, by=nurse, verifier=second_nurse, given_at=timezone.now()
        )

    courses.dose_administer(
        dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )
    with pytest.raises(ConflictError, match="already given"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )


def test_hold_records_reasons_and_the_slot_is_not_made_up(course, nurse, second_nurse):
    record_vitals(course.patient, nurse, heart_rate=118)
    held = courses.dose_hold(
        dose=first_dose(course), by=nurse, reasons=["hr_100_130"], note="HR 118, rechecking"
    )

    assert held.status == DoseStatus.HELD and held.hold_reasons == ["hr_100_130"]
    assert held.precheck["recommendation"] == "hold"
    assert course.doses.count() == 14  # no replacement slot
    record_vitals(course.patient, nurse, minutes_ago=5)
    second = course.doses.get(cycle=1, number=2)
    with pytest.raises(ValidationError, match="more than 2 hours before"):
        courses.dose_administer(
            dose=second, by=nurse, verifier=second_nurse, given_at=timezone.now()
        )


@pytest.mark.parametrize(
    ("reasons", "note", "field"),
    [([], "", "reasons"), (["not_a_code"], "", "reasons"), (["clinical_judgement"], "", "note")],
)
def test_bad_holds_are_refused(course, nurse, reasons, note, field):
    with pytest.raises(ValidationError) as caught:
        courses.dose_hold(dose=first_dose(course), by=nurse, reasons=reasons, note=note)
    assert field in caught.value.message_dict
    assert first_dose(course).status == DoseStatus.SCHEDULED


def test_no_dose_for_a_discharged_patient_or_a_discontinued_course(
    course, nurse, second_nurse, physician, admission
):
    record_vitals(course.patient, nurse)
    admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    with pytest.raises(ConflictError, match="not admitted"):
        courses.dose_hold(
            dose=first_dose(course), by=nurse, reasons=["clinical_judgement"], note="x"
        )
    courses.course_discontinue(course=course, by=physician, reason="stop")
    with pytest.raises(ConflictError, match="discontinued"):
        courses.dose_administer(
            dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
        )


def test_future_given_time_is_refused(course, nurse, second_nurse):
    record_vitals(course.patient, nurse)
    with pytest.raises(ValidationError, match="future"):
        courses.dose_administer(
            dose=first_dose(course),
            by=nurse,
            verifier=second_nurse,
            given_at=timezone.now() + timedelta(minutes=30),
        )


def test_entered_in_error_keeps_the_row_with_its_reason(course, nurse, second_nurse):
    record_vitals(course.patient, nurse)
    dose = courses.dose_administer(
        dose=first_dose(course), by=nurse, verifier=second_nurse, given_at=timezone.now()
    )
    corrected = courses.dose_mark_entered_in_error(
        dose=dose, by=nurse, reason="Charted on the wrong patient"
    )
    assert corrected.status == DoseStatus.ENTERED_IN_ERROR
    assert (
        corrected.given_by == nurse
        and corrected.entered_in_error_reason == "Charted on the wrong patient"
    )
    assert corrected.history.count() >= 3
