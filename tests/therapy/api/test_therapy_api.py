"""The IL-2 therapy endpoints of the contract: courses, doses, precheck, administer, hold,
discontinue — statuses, refusals and role checks."""

import copy

import pytest
from django.utils import timezone

from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar.verifier import REFUSED
from therapy.models import Course, DoseStatus
from therapy.profiles import rule_profile_activate, rule_profile_active, rule_profile_revise

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="nurse", username="nurse.checker")


def test_physician_orders_a_course_and_gets_the_arithmetic_and_doses(api_as, physician, admission):
    start = (timezone.now() + timezone.timedelta(hours=1)).isoformat()
    response = api_as(physician).post(
        f"/api/v1/patients/{admission.patient.pk}/courses/", {"cycle_1_start": start}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["dose_iu"], body["volume_ml"], body["vials"], body["mg"]) == (
        43_200_000,
        2.4,
        2,
        "2.640",
    )
    assert len(body["doses"]) == 14 and body["doses"][0]["status"] == "scheduled"


def test_nurse_cannot_order_and_bad_order_is_400(api_as, nurse, physician, admission):
    url = f"/api/v1/patients/{admission.patient.pk}/courses/"
    assert (
        api_as(nurse)
        .post(url, {"cycle_1_start": timezone.now().isoformat()}, format="json")
        .status_code
        == 403
    )
    bad = api_as(physician).post(
        url, {"cycle_1_start": "soon", "dosing_weight_kg": "500"}, format="json"
    )
    assert bad.status_code == 400 and {"cycle_1_start", "dosing_weight_kg"} <= set(bad.json())
    assert Course.objects.count() == 0


def test_dose_list_has_the_contract_fields_and_a_fixed_query_count(
    api_as, nurse, physician, admission, django_assert_num_queries
):
    order_course(admission.patient, physician)
    client = api_as(nurse)
    body = client.get(f"/api/v1/patients/{admission.patient.pk}/doses/").json()
    assert body["count"] == 14
    assert {
        "id",
        "cycle",
        "number",
        "scheduled_at",
        "status",
        "dose_iu",
        "given_at",
        "given_by",
        "verified_by",
        "hold_reasons",
        "note",
    } <= set(body["results"][0])
    # patient (+ its open admission), count, page with the people on each dose.
    with django_assert_num_queries(4):
        client.get(f"/api/v1/patients/{admission.patient.pk}/doses/")
    other = AdmissionFactory()
    order_course(
        other.patient, physician, cycle_2_start=timezone.now() + timezone.timedelta(days=14)
    )
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/patients/{other.patient.pk}/doses/").json()["count"] == 28


def test_precheck_endpoint_lists_criteria_with_reasons(api_as, nurse, physician, admission):
    course = order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse, heart_rate=135)
    dose = course.doses.get(number=1)

    body = api_as(nurse).get(f"/api/v1/doses/{dose.pk}/precheck/").json()

    assert body["recommendation"] == "discontinue"
    hr = next(c for c in body["criteria"] if c["code"] == "hr_gt_130")
    assert (hr["action"], hr["value"], hr["source"]) == ("discontinue", 135, "consensus [S6]")
    assert body["profile_name"] == "label-2024+consensus-2014" and body["data_as_of"]


def test_administer_checks_the_second_nurse_credentials(
    api_as, nurse, checker, physician, admission
):
    course = order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse)
    url = f"/api/v1/doses/{course.doses.get(number=1).pk}/administer/"
    client = api_as(nurse)

    wrong = client.post(
        url,
        {
            "given_at": timezone.now().isoformat(),
            "verifier": {"username": "nurse.checker", "password": "nope"},
        },
        format="json",
    )
    assert wrong.status_code == 400 and wrong.json()["verifier"] == [REFUSED]

    given = client.post(
        url,
        {
            "given_at": timezone.now().isoformat(),
            "verifier": {"username": "nurse.checker", "password": "correct-horse-battery"},
        },
        format="json",
    )
    assert given.status_code == 200, given.json()
    assert (given.json()["status"], given.json()["given_by"], given.json()["verified_by"]) == (
        "given",
        "nurse.one",
        "nurse.checker",
    )

    again = client.post(
        url,
        {
            "given_at": timezone.now().isoformat(),
            "verifier": {"username": "nurse.checker", "password": "correct-horse-battery"},
        },
        format="json",
    )
    assert again.status_code == 409


def test_administer_against_a_hold_is_409_then_physician_override(
    api_as, nurse, checker, physician, admission
):
    course = order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse, spo2=88)
    url = f"/api/v1/doses/{course.doses.get(number=1).pk}/administer/"
    body = {
        "given_at": timezone.now().isoformat(),
        "verifier": {"username": "nurse.checker", "password": "correct-horse-battery"},
    }

    refused = api_as(nurse).post(url, body, format="json")
    assert refused.status_code == 409 and "spo2_lt_90" in refused.json()["detail"]
    done = api_as(physician).post(
        url, {**body, "override_reason": "SpO2 88 chronic, pulmonology agrees"}, format="json"
    )
    assert done.status_code == 200 and done.json()["override_reason"].startswith("SpO2 88")


def test_hold_and_discontinue(api_as, nurse, physician, admission):
    course = order_course(admission.patient, physician)
    dose = course.doses.get(number=1)

    held = api_as(nurse).post(
        f"/api/v1/doses/{dose.pk}/hold/",
        {"reasons": ["clinical_judgement"], "note": "Rigors"},
        format="json",
    )
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert (
        api_as(nurse)
        .post(f"/api/v1/doses/{dose.pk}/hold/", {"reasons": []}, format="json")
        .status_code
        == 400
    )

    assert (
        api_as(nurse)
        .post(f"/api/v1/courses/{course.pk}/discontinue/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    stopped = api_as(physician).post(
        f"/api/v1/courses/{course.pk}/discontinue/", {"reason": "Grade 3 CRS"}, format="json"
    )
    assert stopped.status_code == 200 and stopped.json()["status"] == "discontinued"
    assert course.doses.filter(status=DoseStatus.CANCELLED).count() == 13


def test_readers_cannot_decide_doses(api_as, pharmacist, api_reader, physician, admission):
    course = order_course(admission.patient, physician)
    dose = course.doses.get(number=1)
    for user in (pharmacist, api_reader):
        client = api_as(user)
        assert client.get(f"/api/v1/doses/{dose.pk}/precheck/").status_code == 200
        assert (
            client.post(
                f"/api/v1/doses/{dose.pk}/hold/",
                {"reasons": ["clinical_judgement"], "note": "x"},
                format="json",
            ).status_code
            == 403
        )
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SCHEDULED and not dose.hold_reasons


def test_anonymous_gets_401(api, physician, admission):
    course = order_course(admission.patient, physician)
    assert api.get(f"/api/v1/doses/{course.doses.first().pk}/precheck/").status_code == 401
    assert api.get(f"/api/v1/patients/{admission.patient.pk}/doses/").status_code == 401


def test_mg_of_a_course_ordered_above_the_default_maximum_comes_from_its_dose_iu(
    api_as, physician, nurse, admission
):
    """A site ordered 720,000 IU/kg under its own profile, then went back to the default:
    the course is still shown, its mg derived from the stored dose_iu (§5), never
    recomputed under the default profile (which would refuse it)."""
    default = rule_profile_active()
    settings = copy.deepcopy(default.settings)
    settings["dosing"]["max_dose_iu_per_kg"] = 720_000
    rule_profile_revise(name=default.name, settings=settings, change_note="site", by=physician)
    course = order_course(admission.patient, physician, dose_iu_per_kg=720_000)
    rule_profile_activate(profile=default)

    body = api_as(nurse).get(f"/api/v1/courses/{course.pk}/").json()

    assert (body["dose_iu_per_kg"], body["dose_iu"]) == (720_000, 51_840_000)  # × 72.0 kg
    assert body["mg"] == "3.168"  # 51,840,000 × 1.1 / 18,000,000
    listed = api_as(nurse).get(f"/api/v1/patients/{admission.patient.pk}/courses/").json()
    assert listed["results"][0]["mg"] == "3.168"
