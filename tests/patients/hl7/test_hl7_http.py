"""HL7 v2 ORU^R01 in over HTTP (docs/hl7.md): every behaviour through ``POST /api/v1/hl7/v2/``
with realistic messages in three vendors' shapes; the ACK read back with python-hl7."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from il2monitor.tokens.services import api_token_create
from patients import monitor_hook
from patients.models import Hl7Message, Patient, VitalSigns
from tests.support.factories import AdmissionFactory, PatientFactory
from tests.support.hl7_messages import (
    PHILIPS_DEVICE,
    dtm,
    ge_like,
    message,
    mindray_like,
    msh,
    news2_inputs,
    philips_like,
    philips_obx,
    pid,
    read_ack,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/hl7/v2/"
HL7 = "application/hl7-v2"
ECG_HR = "147842^MDC_ECG_HEART_RATE^MDC"
BPM = "264864^MDC_DIM_BEAT_PER_MIN^MDC"


@pytest.fixture
def gateway(make_user):  # type: ignore[no-untyped-def]
    """A dedicated account with the nurse role, and its device-feed token."""
    user = make_user("nurse", username="monitor.gateway")
    key = api_token_create(user=user, name="Ward 7 monitors", scope="device_feed", by=None).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def heard(monkeypatch):  # type: ignore[no-untyped-def]
    """What the monitor hook was told (its listeners run on commit: wrap the request in
    ``django_capture_on_commit_callbacks(execute=True)``)."""
    calls: list[tuple[object, str]] = []
    monkeypatch.setattr(
        monitor_hook, "_listeners", [lambda pid, reason: calls.append((pid, reason))]
    )
    return calls


def post(client: APIClient, body: str, content_type: str = HL7):  # type: ignore[no-untyped-def]
    return client.post(URL, data=body.encode(), content_type=content_type)


def send(client: APIClient, body: str):  # type: ignore[no-untyped-def]
    response = post(client, body)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(HL7)
    return read_ack(response.content.decode())


def device_sets(patient: Patient) -> list[VitalSigns]:
    return list(VitalSigns.objects.filter(patient=patient).order_by("taken_at"))


def minutes_ago(minutes: float):  # type: ignore[no-untyped-def]
    return (timezone.now() - timedelta(minutes=minutes)).replace(microsecond=0)


# --- Accepted: one set per device round, source device, the device named ----------------------
def test_a_philips_like_message_is_one_device_set_with_the_monitors_id(
    gateway, admission, heard, django_capture_on_commit_callbacks
):
    at = minutes_ago(3)

    with django_capture_on_commit_callbacks(execute=True):
        ack = send(gateway, philips_like(admission.patient.mrn, "PH-0001", at=at))

    assert (ack.code, ack.control_id, ack.error) == ("AA", "PH-0001", "")
    [vitals] = device_sets(admission.patient)
    assert vitals.source == "device"
    assert vitals.device_id == f"{PHILIPS_DEVICE}^EUI-64"
    assert vitals.taken_at == at
    # The ECG heart rate wins over the oximeter's pulse rate; MAP is read but not stored.
    assert (vitals.heart_rate, vitals.spo2, vitals.respiratory_rate) == (88, 96, 18)
    assert (vitals.systolic_bp, vitals.diastolic_bp) == (124, 76)
    assert vitals.temperature_c == Decimal("37.2")
    assert vitals.entered_by is not None and vitals.entered_by.username == "monitor.gateway"
    # Incomplete for NEWS2 (no ACVPU, no oxygen device): subscores, no total.
    assert vitals.news2_total is None
    assert set(vitals.news2_missing) == {"oxygen_device", "consciousness"}
    assert heard == [(admission.patient.pk, "vitals")]
    stored = Hl7Message.objects.get()
    assert (stored.sending_facility, stored.control_id, stored.ack_code) == (
        "WARD7",
        "PH-0001",
        "AA",
    )
    assert list(stored.vitals.all()) == [vitals]


def test_the_ack_swaps_sender_and_receiver_and_echoes_the_control_id(gateway, admission):
    ack = send(gateway, philips_like(admission.patient.mrn, "PH-0002", at=minutes_ago(2)))

    # python-hl7 numbers MSH from the field separator: [3] is MSH-3.
    sending_app, sending_facility, receiving_app, receiving_facility = ack.msh[3:7]
    assert (sending_app, sending_facility) == ("IL2MONITOR", "HOSP")
    assert (receiving_app, receiving_facility) == ("IVUE^0080C9FFFE123456^EUI-64", "WARD7")
    assert ack.msh[9] == "ACK^R01^ACK"
    assert ack.msh[10] != "PH-0002"  # the ACK's own control id
    assert ack.control_id == "PH-0002"


def test_a_complete_set_gets_news2_and_the_monitor_is_told(
    gateway, admission, heard, django_capture_on_commit_callbacks
):
    at = minutes_ago(4)
    body = philips_like(
        admission.patient.mrn, "PH-0003", at=at, rr=23, spo2=95, temp="38.4", hr=112,
        extra=news2_inputs(10, at, acvpu="A", device="room_air"),
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        ack = send(gateway, body)

    assert ack.code == "AA"
    [vitals] = device_sets(admission.patient)
    assert (vitals.consciousness, vitals.oxygen_device) == ("alert", "room_air")
    # RR 23 → 2, SpO2 95 (scale 1) → 1, air 0, SBP 124 → 0, HR 112 → 2, alert 0, 38.4 → 1.
    assert vitals.news2() is not None
    assert vitals.news2_total == 6
    assert vitals.news2_band == "medium"
    assert heard == [(admission.patient.pk, "vitals")]


def test_a_ge_like_message_reads_loinc_the_mr_identifier_obr_time_and_fahrenheit(
    gateway, admission
):
    at = minutes_ago(6)

    ack = send(gateway, ge_like(admission.patient.mrn, "GE-77", at=at, temp_f="99.5"))

    assert ack.code == "AA"
    [vitals] = device_sets(admission.patient)
    assert vitals.taken_at == at  # OBR-7: no OBX-14 in this shape
    assert vitals.temperature_c == Decimal("37.5")  # 99.5 °F
    assert (vitals.heart_rate, vitals.systolic_bp, vitals.diastolic_bp) == (92, 131, 79)
    assert (vitals.spo2, vitals.respiratory_rate) == (95, 17)
    assert vitals.device_id == "CARESCAPE"  # no OBX-18: the sending application


def test_a_mindray_like_message_is_read_by_its_loinc_alternate_codes(gateway, admission):
    ack = send(gateway, mindray_like(admission.patient.mrn, "MR-1", at=minutes_ago(1)))

    assert ack.code == "AA"
    [vitals] = device_sets(admission.patient)
    assert (vitals.heart_rate, vitals.spo2, vitals.systolic_bp, vitals.diastolic_bp) == (
        75,
        97,
        118,
        72,
    )
    assert vitals.device_id == "BED12^MINDRAY"


def test_obx_times_minutes_apart_are_one_set_and_far_apart_are_two(gateway, admission):
    early, nibp, later = minutes_ago(40), minutes_ago(37), minutes_ago(10)
    mrn = admission.patient.mrn
    body = message(
        msh("PH-0010", at=later),
        pid(mrn),
        f"OBR|1|||182777000^monitoring of patient^SCT|||{dtm(later)}",
        philips_obx(1, ECG_HR, 80, BPM, early),
        philips_obx(2, "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", 118, "266016^MDC_DIM_MMHG^MDC", nibp),
        philips_obx(3, ECG_HR, 96, BPM, later),
    )

    ack = send(gateway, body)

    assert ack.code == "AA"
    first, second = device_sets(admission.patient)
    assert (first.taken_at, first.heart_rate, first.systolic_bp) == (early, 80, 118)
    assert (second.taken_at, second.heart_rate, second.systolic_bp) == (later, 96, None)
    assert set(Hl7Message.objects.get().vitals.all()) == {first, second}


def test_a_device_set_is_never_merged_into_a_nurses_set_at_the_same_time(
    gateway, admission, api_as, nurse
):
    at = minutes_ago(5)
    nurse_set = api_as(nurse).post(
        f"/api/v1/patients/{admission.patient.pk}/vitals/",
        {"taken_at": at.isoformat(), "consciousness": "alert", "oxygen_device": "room_air"},
        format="json",
    )
    assert nurse_set.status_code == 201, nurse_set.content

    send(gateway, philips_like(admission.patient.mrn, "PH-0011", at=at))

    sets = device_sets(admission.patient)
    assert sorted(s.source for s in sets) == ["device", "nurse"]
    nurses = next(s for s in sets if s.source == "nurse")
    assert (nurses.heart_rate, nurses.device_id, nurses.consciousness) == (None, "", "alert")
    devices = next(s for s in sets if s.source == "device")
    assert devices.consciousness is None and devices.news2_total is None


def test_the_vitals_api_shows_the_source_and_device(gateway, admission, api_as, nurse):
    send(gateway, philips_like(admission.patient.mrn, "PH-0012", at=minutes_ago(2)))

    listed = api_as(nurse).get(f"/api/v1/patients/{admission.patient.pk}/vitals/").json()

    [row] = listed["results"]
    assert (row["source"], row["device_id"]) == ("device", f"{PHILIPS_DEVICE}^EUI-64")


# --- Idempotent on (MSH-4, MSH-10) ---------------------------------------------------------
def test_a_repeated_message_gets_the_stored_ack_and_writes_nothing(
    gateway, admission, heard, django_capture_on_commit_callbacks
):
    body = philips_like(admission.patient.mrn, "PH-0020", at=minutes_ago(3))
    with django_capture_on_commit_callbacks(execute=True):
        first = post(gateway, body)

    with django_capture_on_commit_callbacks(execute=True):
        again = post(gateway, body)

    assert again.status_code == 200
    assert again.content == first.content
    assert len(device_sets(admission.patient)) == 1
    assert Hl7Message.objects.count() == 1
    assert len(heard) == 1


def test_the_same_control_id_from_another_facility_is_another_message(gateway, admission):
    mrn = admission.patient.mrn
    send(gateway, philips_like(mrn, "0001", at=minutes_ago(20), facility="WARD7"))

    ack = send(gateway, philips_like(mrn, "0001", at=minutes_ago(2), facility="WARD8"))

    assert ack.code == "AA"
    assert len(device_sets(admission.patient)) == 2


def test_a_repeated_erroneous_message_gets_the_same_ae(gateway, admission):
    body = philips_like(admission.patient.mrn, "PH-0021", at=minutes_ago(3), hr=400)
    first = post(gateway, body)

    again = post(gateway, body)

    assert read_ack(first.content.decode()).code == "AE"
    assert again.content == first.content
    assert device_sets(admission.patient) == []


# --- AE: read, but not recorded; nothing written -------------------------------------------
def test_an_unknown_mrn_is_ae_204_and_nothing_is_written(gateway, admission):
    ack = send(gateway, philips_like("NOBODY-404", "PH-0030", at=minutes_ago(3)))

    assert (ack.code, ack.control_id, ack.error) == ("AE", "PH-0030", "204")
    assert "NOBODY-404" in ack.reason
    assert VitalSigns.objects.count() == 0
    assert Hl7Message.objects.get().ack_code == "AE"


def test_a_patient_without_an_open_admission_is_ae(gateway):
    patient = PatientFactory()

    ack = send(gateway, philips_like(patient.mrn, "PH-0031", at=minutes_ago(3)))

    assert (ack.code, ack.error) == ("AE", "207")
    assert "no open admission" in ack.reason
    assert VitalSigns.objects.count() == 0


def test_a_code_in_an_unknown_coding_system_is_ae_naming_the_code(gateway, admission):
    body = mindray_like(admission.patient.mrn, "MR-2", at=minutes_ago(1), hr_code="101^HR^99MNDRY")

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "103")
    assert "101^HR^99MNDRY" in ack.reason and "99MNDRY" in ack.reason
    assert device_sets(admission.patient) == []


def test_a_wrong_unit_is_ae_naming_the_unit(gateway, admission):
    at = minutes_ago(2)
    body = message(
        msh("PH-0032", at=at),
        pid(admission.patient.mrn),
        philips_obx(1, "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "16.5", "kPa", at),
    )

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "103")
    assert "unit kPa" in ack.reason and "Systolic BP" in ack.reason
    assert device_sets(admission.patient) == []


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"hr": 400}, "Heart rate must be between 20 and 300 beats/min."),
        ({"spo2": 12}, "SpO2 must be between 50 and 100 %."),
        ({"temp": "47.0"}, "Temperature must be between 30.0 and 45.0 °C."),
        ({"sbp": 70, "dbp": 90}, "Diastolic BP must be lower than systolic BP."),
    ],
    ids=["heart rate", "spo2", "temperature", "diastolic above systolic"],
)
def test_an_implausible_value_is_ae_with_the_tablets_words_and_nothing_is_written(
    gateway, admission, heard, django_capture_on_commit_callbacks, values, words
):
    body = philips_like(admission.patient.mrn, "PH-0033", at=minutes_ago(3), **values)

    with django_capture_on_commit_callbacks(execute=True):
        ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "207")
    assert words in ack.reason
    assert device_sets(admission.patient) == []
    assert heard == []


def test_one_bad_set_in_a_message_writes_none_of_its_sets(gateway, admission):
    early, later = minutes_ago(50), minutes_ago(5)
    body = message(
        msh("PH-0034", at=later),
        pid(admission.patient.mrn),
        philips_obx(1, ECG_HR, 80, BPM, early),
        philips_obx(2, ECG_HR, 999, BPM, later),
    )

    ack = send(gateway, body)

    assert ack.code == "AE"
    assert device_sets(admission.patient) == []


def test_a_value_that_is_not_a_number_is_ae_102(gateway, admission):
    ack = send(gateway, philips_like(admission.patient.mrn, "PH-0035", at=minutes_ago(3), hr="8O"))

    assert (ack.code, ack.error) == ("AE", "102")
    assert "'8O' is not a number" in ack.reason


def test_two_temperature_probes_disagreeing_in_one_set_are_ae(gateway, admission):
    at = minutes_ago(3)
    second_probe = philips_obx(10, "150344^MDC_TEMP^MDC", "36.1", "268192^MDC_DIM_DEGC^MDC", at)

    ack = send(gateway, philips_like(admission.patient.mrn, "PH-0036", at=at, extra=[second_probe]))

    assert ack.code == "AE"
    assert "two different values" in ack.reason
    assert device_sets(admission.patient) == []


def test_a_message_with_no_recorded_vital_sign_is_ae(gateway, admission):
    at = minutes_ago(3)
    body = message(
        msh("PH-0037", at=at),
        pid(admission.patient.mrn),
        philips_obx(1, "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", 90, "266016^MDC_DIM_MMHG^MDC", at),
    )

    ack = send(gateway, body)

    assert ack.code == "AE"
    assert device_sets(admission.patient) == []


# --- AR: not an ORU^R01, or not a message ---------------------------------------------------
def test_a_message_that_is_not_oru_r01_is_ar_and_not_stored(gateway, admission):
    body = message(
        msh("ADT-1", kind="ADT^A01^ADT_A01", at=minutes_ago(1)), pid(admission.patient.mrn)
    )

    ack = send(gateway, body)

    assert (ack.code, ack.control_id, ack.error) == ("AR", "ADT-1", "200")
    assert "ADT^A01" in ack.reason
    assert Hl7Message.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    ["", "hello", '{"heart_rate": 80}', "MSH|", "PID|||X\rMSH|^~\\&|A|B", "MSH#^~\\&|A|B|\r"],
    ids=["empty", "text", "json", "bare msh", "pid first", "other separators"],
)
def test_a_body_that_is_not_an_hl7_message_is_still_an_ar_ack(gateway, body):
    ack = send(gateway, body)

    assert ack.code == "AR"
    assert ack.error in {"100", "102"}
    assert Hl7Message.objects.count() == 0


def test_bytes_that_are_not_utf8_are_read_as_latin1(gateway, admission):
    body = philips_like(admission.patient.mrn, "PH-0040", at=minutes_ago(2))
    body = body.replace("DOE^JANE", "MÜLLER^JANE")

    response = gateway.post(URL, data=body.encode("latin-1"), content_type=HL7)

    assert read_ack(response.content.decode()).code == "AA"


def test_lf_separated_segments_are_read(gateway, admission):
    body = philips_like(admission.patient.mrn, "PH-0041", at=minutes_ago(2)).replace("\r", "\n")

    assert send(gateway, body).code == "AA"


# --- Who may post ---------------------------------------------------------------------------
def test_without_a_token_it_is_401(admission):
    response = post(APIClient(), philips_like(admission.patient.mrn, "X-1", at=minutes_ago(1)))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("scope", ["read", "read_write"])
def test_another_tokens_scope_is_403(make_user, admission, scope):
    user = make_user("nurse", username="someone")
    key = api_token_create(user=user, name="other", scope=scope, by=None).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = post(client, philips_like(admission.patient.mrn, "X-2", at=minutes_ago(1)))

    assert response.status_code == 403
    assert "device_feed" in response.json()["detail"]
    assert VitalSigns.objects.count() == 0


def test_a_nurses_session_is_403(client, nurse, admission):
    client.force_login(nurse)

    response = client.post(
        URL, data=philips_like(admission.patient.mrn, "X-3", at=minutes_ago(1)), content_type=HL7
    )

    assert response.status_code == 403


def test_a_device_feed_token_may_do_nothing_else(gateway, admission):
    listing = gateway.get("/api/v1/patients/")
    recording = gateway.post(
        f"/api/v1/patients/{admission.patient.pk}/vitals/",
        {"taken_at": minutes_ago(1).isoformat(), "heart_rate": 80},
        format="json",
    )

    assert listing.status_code == 403
    assert recording.status_code == 403
    assert "device feed" in recording.json()["detail"]


def test_a_device_feed_token_of_a_user_without_a_recording_role_is_403(make_user, admission):
    user = make_user("pharmacist", username="pharmacy.gateway")
    key = api_token_create(user=user, name="gw", scope="device_feed", by=None).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = post(client, philips_like(admission.patient.mrn, "X-4", at=minutes_ago(1)))

    assert response.status_code == 403


def test_a_body_sent_as_json_is_415(gateway, admission):
    response = post(
        gateway, philips_like(admission.patient.mrn, "X-5", at=minutes_ago(1)), "application/json"
    )

    assert response.status_code == 415
    assert VitalSigns.objects.count() == 0


def test_the_alias_media_type_is_accepted(gateway, admission):
    body = philips_like(admission.patient.mrn, "PH-0050", at=minutes_ago(1))

    response = post(gateway, body, "x-application/hl7-v2+er7")

    assert read_ack(response.content.decode()).code == "AA"


def test_a_second_admission_patient_is_not_confused_with_the_first(gateway, admission):
    other = AdmissionFactory()

    send(gateway, philips_like(other.patient.mrn, "PH-0060", at=minutes_ago(1)))

    assert device_sets(admission.patient) == []
    assert len(device_sets(other.patient)) == 1


# --- Units, times, structure ----------------------------------------------------------------
def test_the_err_segment_locates_the_reading(gateway, admission):
    ack = send(gateway, philips_like(admission.patient.mrn, "PH-0070", at=minutes_ago(3), hr=400))

    err = next(line for line in ack.text.split("\r") if line.startswith("ERR|")).split("|")
    # ERR-2: the second OBX (the heart rate; the first is the device row), field 5.
    assert err[2] == "OBX^2^5"
    assert err[3] == "207^Application internal error^HL70357"
    assert err[4] == "E"


@pytest.mark.parametrize(
    ("unit", "stored"),
    [("268192^MDC_DIM_DEGC^MDC", "37.0"), ("266560^MDC_DIM_FAHR^MDC", "37.0"), ("Cel", "37.0")],
)
def test_temperature_units_of_mdc_and_ucum(gateway, admission, unit, stored):
    at = minutes_ago(2)
    value = "98.6" if "FAHR" in unit else "37.0"
    body = message(
        msh("PH-0071", at=at),
        pid(admission.patient.mrn),
        philips_obx(1, "150364^MDC_TEMP_BODY^MDC", value, unit, at),
    )

    assert send(gateway, body).code == "AA"
    [vitals] = device_sets(admission.patient)
    assert vitals.temperature_c == Decimal(stored)


@pytest.mark.parametrize(
    "unit",
    ["268192^MDC_DIM_FAHR^MDC", "degrees", "", "%"],
    ids=["contradicting", "words", "none", "percent"],
)
def test_a_temperature_unit_that_is_not_one_is_ae(gateway, admission, unit):
    at = minutes_ago(2)
    body = message(
        msh("PH-0072", at=at),
        pid(admission.patient.mrn),
        philips_obx(1, "150364^MDC_TEMP_BODY^MDC", "37.0", unit, at),
    )

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "103")
    assert "Temperature" in ack.reason
    assert device_sets(admission.patient) == []


def test_a_reading_in_the_future_is_ae(gateway, admission):
    ack = send(
        gateway,
        philips_like(admission.patient.mrn, "PH-0073", at=timezone.now() + timedelta(hours=2)),
    )

    assert ack.code == "AE"
    assert device_sets(admission.patient) == []


def test_a_reading_without_any_time_is_ae(gateway, admission):
    body = message(
        msh("PH-0074", at=minutes_ago(1)),
        pid(admission.patient.mrn),
        "OBX|1|NM|8867-4^Heart rate^LN||80|/min|||||F",
    )

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "101")
    assert "no time" in ack.reason


def test_a_message_without_control_id_is_ar(gateway, admission):
    ack = send(gateway, philips_like(admission.patient.mrn, "", at=minutes_ago(1)))

    assert (ack.code, ack.error) == ("AR", "101")
    assert VitalSigns.objects.count() == 0


def test_a_message_without_pid_is_ae(gateway):
    at = minutes_ago(1)
    body = message(msh("PH-0075", at=at), philips_obx(1, ECG_HR, 80, BPM, at))

    assert send(gateway, body).code == "AE"


def test_an_acvpu_value_that_is_not_one_is_ae(gateway, admission):
    at = minutes_ago(2)
    body = philips_like(
        admission.patient.mrn, "PH-0076", at=at, extra=news2_inputs(10, at, acvpu="Z")
    )

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "103")
    assert "'Z^^99IL2' is not one of alert" in ack.reason


def test_a_device_set_with_oxygen_gets_its_device_and_flow(gateway, admission):
    at = minutes_ago(2)
    flow = philips_obx(12, "3151-8^Inhaled oxygen flow rate^LN", 2, "L/min", at)
    body = philips_like(
        admission.patient.mrn,
        "PH-0077",
        at=at,
        extra=[*news2_inputs(10, at, acvpu="C", device="nasal_cannula"), flow],
    )

    assert send(gateway, body).code == "AA"
    [vitals] = device_sets(admission.patient)
    assert (vitals.consciousness, vitals.oxygen_device) == ("new_confusion", "nasal_cannula")
    assert vitals.oxygen_flow_l_min == Decimal("2.0")
    assert vitals.news2_red_flag  # new confusion scores 3


def test_a_message_with_two_patients_is_ae_and_charts_on_neither(gateway, admission):
    other = AdmissionFactory()
    at = minutes_ago(2)
    body = message(
        msh("PH-0080", at=at),
        pid(admission.patient.mrn),
        philips_obx(1, ECG_HR, 80, BPM, at),
        pid(other.patient.mrn),
        philips_obx(2, ECG_HR, 120, BPM, at),
    )

    ack = send(gateway, body)

    assert (ack.code, ack.error) == ("AE", "207")
    assert "more than one patient" in ack.reason
    assert VitalSigns.objects.count() == 0
