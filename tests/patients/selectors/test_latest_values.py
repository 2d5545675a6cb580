"""The newest value of each measurement with its own time (api-contract.md v2, "Patient
summary"; issue: a newer partial set hid the last blood pressure): the selector, the REST
summary and ward summaries, the board, the chart header and FHIR ``$summary``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import limits
from patients.selectors.observations import latest_values
from patients.services.recording import observation_mark_entered_in_error
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import record_vitals
from therapy.api.summary import LatestValuesSerializer
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.board import ward_board

pytestmark = pytest.mark.django_db


def bp_then_weight(nurse, bed="4"):  # type: ignore[no-untyped-def]
    """A full set 3 h ago (BP 92/58, on 2 L nasal oxygen), then a weight-only set 10 min ago."""
    stay = AdmissionFactory(ward="7B Oncology", bed=bed)
    full = record_vitals(
        stay.patient,
        nurse,
        minutes_ago=180,
        systolic_bp=92,
        diastolic_bp=58,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("2"),
    )
    weight = record_vitals_only(stay.patient, nurse, minutes_ago=10, weight_kg=Decimal("81.4"))
    return stay, full, weight


def record_vitals_only(patient, nurse, *, minutes_ago, **values):  # type: ignore[no-untyped-def]
    from patients.services.vitals import vitals_record

    return vitals_record(
        patient=patient,
        by=nurse,
        taken_at=timezone.now() - timedelta(minutes=minutes_ago),
        **values,
    ).record


def test_a_newer_partial_set_does_not_hide_the_last_blood_pressure(nurse):
    stay, full, weight = bp_then_weight(nurse)

    values = latest_values(patient_ids=[stay.patient.pk])[stay.patient.pk]

    assert values["systolic_bp"].value == 92 and values["systolic_bp"].taken_at == full.taken_at
    assert values["diastolic_bp"].value == 58 and values["diastolic_bp"].vitals.pk == full.pk
    assert values["weight_kg"].value == Decimal("81.4")
    assert values["weight_kg"].taken_at == weight.taken_at
    assert "edema_grade" not in values  # never charted: absent, not null


def test_the_oxygen_flow_is_read_with_its_device(nurse):
    stay, _, _ = bp_then_weight(nurse)
    assert latest_values(patient_ids=[stay.patient.pk])[stay.patient.pk][
        "oxygen_flow_l_min"
    ].value == Decimal("2")

    record_vitals_only(stay.patient, nurse, minutes_ago=5, spo2=95, oxygen_device="room_air")
    values = latest_values(patient_ids=[stay.patient.pk])[stay.patient.pk]

    assert values["oxygen_device"].value == "room_air"
    assert "oxygen_flow_l_min" not in values  # room air now: the older flow is not current


def test_a_set_entered_in_error_gives_way_to_the_one_before(nurse):
    stay, _, _ = bp_then_weight(nurse)
    wrong = record_vitals_only(stay.patient, nurse, minutes_ago=2, systolic_bp=60)
    assert latest_values(patient_ids=[stay.patient.pk])[stay.patient.pk]["systolic_bp"].value == 60

    observation_mark_entered_in_error(observation=wrong, by=nurse, reason="wrong patient")

    values = latest_values(patient_ids=[stay.patient.pk])[stay.patient.pk]
    assert values["systolic_bp"].value == 92


def test_three_queries_whatever_the_number_of_patients(nurse, django_assert_num_queries):
    stays = [bp_then_weight(nurse, bed=str(bed))[0] for bed in range(1, 4)]
    ids = [stay.patient.pk for stay in stays]
    with django_assert_num_queries(3):  # set ids, sets, their vasopressors
        assert len(latest_values(patient_ids=ids[:1])) == 1
    with django_assert_num_queries(3):  # set ids, sets, their vasopressors
        values = latest_values(patient_ids=ids)
    assert all(values[pk]["systolic_bp"].value == 92 for pk in ids)
    with django_assert_num_queries(0):
        assert latest_values(patient_ids=[]) == {}


def test_the_serializer_names_every_measurement_of_the_contract():
    assert list(LatestValuesSerializer().fields) == list(limits.MEASUREMENT_FIELDS)


def test_rest_summary_and_ward_summaries_carry_latest_values(api_as, nurse):
    stay, full, weight = bp_then_weight(nurse)
    client = api_as(nurse)

    body = client.get(f"/api/v1/patients/{stay.patient.pk}/summary/").json()
    ward = client.get("/api/v1/summaries/", {"ward": "7B Oncology"}).json()["results"][0]

    for summary in (body, ward):
        values = summary["latest_values"]
        assert summary["latest_vitals"]["id"] == str(weight.pk)  # the newest set: weight only
        assert summary["latest_vitals"]["systolic_bp"] is None
        assert values["systolic_bp"]["value"] == 92
        assert values["systolic_bp"]["vitals_id"] == str(full.pk)
        stamp = timezone.datetime.fromisoformat(values["systolic_bp"]["taken_at"])
        assert stamp == full.taken_at
        assert values["weight_kg"] == {
            "value": 81.4,
            "taken_at": values["weight_kg"]["taken_at"],
            "vitals_id": str(weight.pk),
        }
        assert "edema_grade" not in values


def test_the_board_and_the_chart_header_show_the_last_bp_with_its_own_time(client, nurse):
    stay, full, _ = bp_then_weight(nurse)
    evaluation_run(patient_id=stay.patient.pk, reason="vitals")
    row = ward_board(user=nurse).rows[0]
    labels = {item.label: item for item in row.latest_items}
    assert labels["BP"].text == "92/58" and labels["BP"].taken_at == full.taken_at
    assert labels["O2"].text == "Nasal cannula 2.0 L/min"
    shown = timezone.localtime(full.taken_at).strftime("%H:%M")

    client.force_login(nurse)
    board = client.get(reverse("therapy:board")).content.decode()
    chart = client.get(reverse("therapy:chart", args=[stay.patient.pk])).content.decode()

    for page in (board, chart):
        assert "92/58" in page
        assert f"({shown}" in page  # older than the newest set: its own time is shown


def test_fhir_summary_lists_the_last_bp_from_its_own_set(api_as, nurse):
    stay, full, weight = bp_then_weight(nurse)

    response = api_as(nurse).get(f"/fhir/r4/Patient/{stay.patient.pk}/$summary")

    assert response.status_code == 200, response.content
    resources = {
        entry["resource"]["id"]: entry["resource"]
        for entry in response.json()["entry"]
        if entry["resource"]["resourceType"] == "Observation"
    }
    assert f"{full.pk}-bp" in resources and f"{weight.pk}-wt" in resources
    bp = resources[f"{full.pk}-bp"]
    assert timezone.datetime.fromisoformat(bp["effectiveDateTime"]) == full.taken_at.replace(
        microsecond=0
    )
    assert f"{full.pk}-wt" not in resources  # only what is newest comes from each set
    assert f"{full.pk}-news2" in resources  # the newest complete set's NEWS2
