"""The tablet's vital-signs and daily-weight pages: the API's limits and messages, the confirm
step for alarming values, NEWS2 shown on save, and retries that never double a set."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from patients import limits
from patients.models import VitalSigns
from tests.support.clock import FromNow, as_local_input
from tests.support.factories import PatientFactory
from tests.support.observation_factories import VitalSignsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, nurse):  # type: ignore[no-untyped-def]
    client.force_login(nurse)
    return client


def local(minutes: int = -5) -> str:
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def form_data(**changes: object) -> dict[str, object]:
    data = {
        "client_id": str(uuid.uuid4()),
        "taken_at": local(),
        "respiratory_rate": "18",
        "spo2": "96",
        "oxygen_device": "room_air",
        "oxygen_flow_l_min": "",
        "systolic_bp": "112",
        "diastolic_bp": "68",
        "heart_rate": "92",
        "consciousness": "alert",
        "temperature_c": "38.3",
        "weight_kg": "",
        "edema_grade": "",
        "vasopressors_running": "none",
    }
    data.update(changes)
    return as_local_input(data)


def vitals_url(admission) -> str:  # type: ignore[no-untyped-def]
    return reverse("patients:bedside-vitals", args=[admission.patient.pk])


def test_the_form_opens_with_its_own_client_id_and_numeric_keyboards(signed_in, admission):
    first = signed_in.get(vitals_url(admission)).content.decode()
    second = signed_in.get(vitals_url(admission)).content.decode()

    assert 'name="client_id"' in first and 'inputmode="numeric"' in first
    assert 'inputmode="decimal"' in first
    ids = [page.split('name="client_id" value="')[1][:36] for page in (first, second)]
    assert ids[0] != ids[1] and all(uuid.UUID(value) for value in ids)
    assert "Save vital signs" in first


def test_a_full_set_is_saved_and_news2_shown_at_once(signed_in, nurse, admission):
    data = form_data()
    response = signed_in.post(vitals_url(admission), data)

    assert response.status_code == 201
    page = response.content.decode()
    vitals = VitalSigns.objects.get()
    # RR 18 → 0, SpO2 96 → 0, air → 0, SBP 112 → 0, HR 92 → 1, alert → 0, 38.3 → 1
    assert vitals.news2_total == 2 and vitals.news2_band == "low"
    assert str(vitals.client_id) == data["client_id"]
    assert vitals.entered_by == nurse
    assert "data-news2-total>2<" in page and "Low clinical risk" in page
    assert "band-low" in page


def test_htmx_gets_only_the_entry_to_swap_in(signed_in, admission):
    response = signed_in.post(vitals_url(admission), form_data(), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 201
    assert page.lstrip().startswith('<section id="entry"') and "<html" not in page


def test_a_retry_with_the_same_client_id_shows_the_stored_set_and_writes_nothing(
    signed_in, admission
):
    data = form_data()
    signed_in.post(vitals_url(admission), data)
    again = signed_in.post(vitals_url(admission), {**data, "heart_rate": "120"})

    assert again.status_code == 200
    assert "had already been saved" in again.content.decode()
    assert VitalSigns.objects.count() == 1
    assert VitalSigns.objects.get().heart_rate == 92


FORM_BAD = [
    ("respiratory_rate", "81", limits.RESPIRATORY_RATE.message),
    ("respiratory_rate", "fast", "Enter a whole number."),
    ("spo2", "49", limits.SPO2.message),
    ("spo2", "101", limits.SPO2.message),
    ("systolic_bp", "301", limits.SYSTOLIC_BP.message),
    ("systolic_bp", "39", limits.SYSTOLIC_BP.message),
    ("diastolic_bp", "19", limits.DIASTOLIC_BP.message),
    ("diastolic_bp", "112", limits.DIASTOLIC_NOT_BELOW_SYSTOLIC),
    ("heart_rate", "19", limits.HEART_RATE.message),
    ("heart_rate", "301", limits.HEART_RATE.message),
    ("temperature_c", "100.4", limits.TEMPERATURE.message),
    ("temperature_c", "29.9", limits.TEMPERATURE.message),
    ("temperature_c", "hot", "Enter a number."),
    ("weight_kg", "301", "Weight must be between 20 and 300 kg."),
    ("edema_grade", "5", "Edema grade must be between 0 and 4."),
    ("oxygen_flow_l_min", "2", limits.FLOW_WITH_ROOM_AIR),
    ("oxygen_device", "nasal_cannula", limits.FLOW_REQUIRED),
    ("oxygen_device", "oxygen", "Select a valid choice."),
    ("consciousness", "drowsy", "Select a valid choice."),
    ("taken_at", FromNow(minutes=30), "Time cannot be in the future."),
    ("taken_at", "", "This field is required."),
    ("client_id", "", "This entry has lost its id: reload the page and enter it again."),
    ("client_id", "x1", "This entry has lost its id: reload the page and enter it again."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"), FORM_BAD, ids=[f"{f}:{v}" for f, v, _ in FORM_BAD]
)
def test_bad_values_show_the_same_message_as_the_api_and_write_nothing(
    signed_in, admission, field, value, message
):
    response = signed_in.post(vitals_url(admission), form_data(**{field: value}))

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert VitalSigns.objects.count() == 0


def test_flow_without_a_device_names_the_device(signed_in, admission):
    data = form_data(oxygen_flow_l_min="2")
    del data["oxygen_device"]
    response = signed_in.post(vitals_url(admission), data)
    assert response.status_code == 400
    assert limits.DEVICE_REQUIRED_FOR_FLOW in response.content.decode()


def test_an_empty_set_asks_for_a_measurement(signed_in, admission):
    blank = {name: "" for name in limits.MEASUREMENT_FIELDS}
    response = signed_in.post(vitals_url(admission), form_data(**blank))
    assert response.status_code == 400
    assert limits.AT_LEAST_ONE_MEASUREMENT in response.content.decode()


def test_alarming_values_ask_for_confirmation_before_saving(signed_in, admission):
    data = form_data(systolic_bp="70", diastolic_bp="40", spo2="82")
    asked = signed_in.post(vitals_url(admission), data)

    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Check before saving" in page
    assert "Systolic BP 70 mmHg is very low." in page and "SpO2 82 % is very low." in page
    assert VitalSigns.objects.count() == 0
    signature = page.split('name="confirm_alarming" value="')[2].split('"')[0]
    assert signature == "spo2=82;systolic_bp=70"

    saved = signed_in.post(vitals_url(admission), {**data, "confirm_alarming": signature})
    assert saved.status_code == 201
    vitals = VitalSigns.objects.get()
    assert vitals.news2_subscores["systolic_bp"] == 3 and vitals.news2_red_flag


def test_changing_an_alarming_value_after_confirming_asks_again(signed_in, admission):
    data = form_data(systolic_bp="70", diastolic_bp="40")
    response = signed_in.post(
        vitals_url(admission), {**data, "systolic_bp": "72", "confirm_alarming": "systolic_bp=70"}
    )
    assert "Systolic BP 72 mmHg is very low." in response.content.decode()
    assert VitalSigns.objects.count() == 0


def test_vasopressors_running_are_recorded_with_their_doses(signed_in, admission):
    data = form_data(
        vasopressors_running="running",
        norepinephrine_dose="0.08",
        norepinephrine_unit="mcg_kg_min",
        vasopressin_dose="0.03",
        vasopressin_unit="units_min",
    )
    response = signed_in.post(vitals_url(admission), data)

    assert response.status_code == 201
    vitals = VitalSigns.objects.get()
    assert [(row.agent, str(row.dose)) for row in vitals.vasopressors.all()] == [
        ("norepinephrine", "0.080"),
        ("vasopressin", "0.030"),
    ]
    assert "Norepinephrine 0.08 µg/kg/min" in response.content.decode()


def test_none_running_records_an_empty_list(signed_in, admission):
    signed_in.post(vitals_url(admission), form_data(norepinephrine_dose="0.1"))
    vitals = VitalSigns.objects.get()
    assert vitals.vasopressors_recorded and not vitals.vasopressors.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Enter the dose of each vasopressor running."),
        ({"dopamine_dose": "80"}, "A dose in µg/kg/min must be between 0.001 and 50."),
    ],
)
def test_bad_vasopressor_entries(signed_in, admission, changes, message):
    response = signed_in.post(
        vitals_url(admission), form_data(vasopressors_running="running", **changes)
    )
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert VitalSigns.objects.count() == 0


def test_the_form_prefills_the_vasopressors_of_the_last_set(signed_in, admission):
    VitalSignsFactory(
        admission=admission,
        vasopressors=[{"agent": "phenylephrine", "dose": "0.4", "dose_unit": "mcg_kg_min"}],
    )
    page = signed_in.get(vitals_url(admission)).content.decode()
    assert 'name="phenylephrine_dose" value="0.4"' in page
    assert re.search(r'value="running"[^>]*checked', page)
    assert not re.search(r'value="none"[^>]*checked', page)


def test_a_patient_without_an_open_admission_cannot_be_charted(signed_in):
    patient = PatientFactory()
    url = reverse("patients:bedside-vitals", args=[patient.pk])
    response = signed_in.post(url, form_data())
    assert response.status_code == 409
    assert "no open admission" in response.content.decode()
    assert VitalSigns.objects.count() == 0


def test_roles_that_may_not_chart_get_403(client, pharmacist, admission):
    client.force_login(pharmacist)
    assert client.get(vitals_url(admission)).status_code == 403
    assert client.post(vitals_url(admission), form_data()).status_code == 403
    assert VitalSigns.objects.count() == 0


def test_anonymous_is_sent_to_login(client, admission):
    response = client.get(vitals_url(admission))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Daily weight -------------------------------------------------------------------------
def weight_url(admission) -> str:  # type: ignore[no-untyped-def]
    return reverse("patients:bedside-weight", args=[admission.patient.pk])


def test_daily_weight_is_saved_with_the_change_from_baseline(signed_in, admission):
    data = {"client_id": str(uuid.uuid4()), "taken_at": local(), "weight_kg": "74.9"}
    response = signed_in.post(weight_url(admission), {**data, "edema_grade": "1"})

    assert response.status_code == 201
    page = response.content.decode()
    assert "74.9 kg" in page and "+4.0 %" in page  # baseline 72.0 kg
    vitals = VitalSigns.objects.get()
    assert str(vitals.weight_kg) == "74.9" and vitals.edema_grade == 1
    assert vitals.news2_total is None and len(vitals.news2_missing) == 7


def test_a_weight_far_from_baseline_asks_to_confirm(signed_in, admission):
    # 158.7 "kg" is 72 kg typed in lb: the confirmation catches it.
    data = {"client_id": str(uuid.uuid4()), "taken_at": local(), "weight_kg": "158.7"}
    asked = signed_in.post(weight_url(admission), data)

    assert asked.status_code == 200
    assert "120 % above the baseline 72.0 kg (kg and lb mixed up?)" in asked.content.decode()
    assert VitalSigns.objects.count() == 0
    saved = signed_in.post(weight_url(admission), {**data, "confirm_alarming": "weight_kg=158.7"})
    assert saved.status_code == 201


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This field is required."),
        ("19", "Weight must be between 20 and 300 kg."),
        ("72.55", "Ensure that there are no more than 1 decimal place."),
    ],
)
def test_bad_weights(signed_in, admission, value, message):
    data = {"client_id": str(uuid.uuid4()), "taken_at": local(), "weight_kg": value}
    response = signed_in.post(weight_url(admission), data)
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert VitalSigns.objects.count() == 0


def test_a_partial_set_asks_before_it_is_saved_unscored(signed_in, admission):
    """Issue 14 item 4: "Save without ACVPU? NEWS2 will not be scored" — then saved once."""
    data = form_data(consciousness="")
    asked = signed_in.post(vitals_url(admission), data, HTTP_HX_REQUEST="true")
    page = asked.content.decode()
    assert asked.status_code == 200 and "Save without ACVPU?" in page
    assert "NEWS2 will not be scored" in page and VitalSigns.objects.count() == 0
    saved = signed_in.post(vitals_url(admission), {**data, "confirm_partial": "1"})
    assert saved.status_code == 201
    assert VitalSigns.objects.get().news2_total is None
    # A weight-only entry is not a partial set: it is asked nothing.
    weight_only = {name: "" for name in ("respiratory_rate", "spo2", "oxygen_device")}
    weight_only |= {name: "" for name in ("systolic_bp", "diastolic_bp", "heart_rate")}
    weight_only |= {"consciousness": "", "temperature_c": "", "weight_kg": "70"}
    response = signed_in.post(vitals_url(admission), form_data(**weight_only))
    assert response.status_code == 201 and VitalSigns.objects.count() == 2
