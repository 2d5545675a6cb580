"""No single bad record can stop the monitor (clinical-rules.md §6 (v2), issue 11 item 3).

The incident: one urine entry with a period of half a second made every evaluation of the
patient fail, so NEWS2 19 raised nothing, the board showed a stale "Grade 0 · Not suspected
· GIVE", the handover 500'd for the whole ward and nothing said the monitor had stopped.
Here: the degenerate row is skipped and named; a rule that still fails leaves its own alert
alone while the others are raised and ``monitor_failure`` opens once; a whole evaluation that
fails is recorded with its error; every page says "Not monitored since …" until an
evaluation succeeds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import FluidEntry
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.models import Alert, MonitorState, Notification, PatientEvaluation
from therapy.monitor import assessment as assessment_module
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.board import ward_board
from therapy.state.health import clock
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db

# NEWS2 19 (RCP 2017): RR 30 (3), SpO2 85 (3), oxygen (2), SBP 85 (3), HR 140 (3), V (3),
# 39.5 °C (2).
NEWS2_19 = {
    "respiratory_rate": 30,
    "spo2": 85,
    "oxygen_device": "simple_face_mask",
    "oxygen_flow_l_min": Decimal("6"),
    "systolic_bp": 85,
    "diastolic_bp": 50,
    "heart_rate": 140,
    "consciousness": "voice",
    "temperature_c": Decimal("39.5"),
}


def plant_urine(admission, period, *, volume=400, minutes_ago=30):  # type: ignore[no-untyped-def]
    """A urine row written straight through the ORM, as an older API once accepted it."""
    end = timezone.now() - timedelta(minutes=minutes_ago)
    return FluidEntry.objects.create(
        patient=admission.patient,
        admission=admission,
        direction="output",
        route="urine",
        volume_ml=volume,
        period_start=end - period,
        period_end=end,
    )


def open_alerts(patient, kind):  # type: ignore[no-untyped-def]
    return Alert.objects.filter(patient=patient, kind=kind, status__in=["active", "acknowledged"])


@pytest.mark.parametrize(
    "period",
    [timedelta(milliseconds=500), timedelta(microseconds=1), timedelta(seconds=59)],
    ids=["half-a-second", "one-microsecond", "59-seconds"],
)
def test_a_degenerate_urine_row_is_skipped_named_and_news2_19_still_alerts(
    client, api_as, nurse, admission, period
):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=5, **NEWS2_19)
    row = plant_urine(admission, period)

    evaluation = evaluation_run(patient_id=patient.pk, reason="fluids")

    assert evaluation is not None and evaluation.succeeded and evaluation.error == ""
    news2 = open_alerts(patient, "news2_high").get()
    assert news2.severity == "emergency" and news2.evidence["total"] == 19
    assert not open_alerts(patient, "monitor_failure").exists()
    vls = open_alerts(patient, "vls").get()  # hypotension and hypoxia: the rule still ran
    assert [s["id"] for s in vls.evidence["skipped"]] == [str(row.pk)]
    assert "shorter than 1 min" in vls.evidence["skipped"][0]["reason"]
    state = MonitorState.objects.get(patient=patient)
    assert [s["id"] for s in state.findings["skipped"]] == [str(row.pk)]
    assert state.last_success_at is not None and state.failing_since is None

    client.force_login(nurse)
    for url in (
        reverse("therapy:board"),
        reverse("therapy:handover"),
        reverse("therapy:chart", args=[patient.pk]),
        reverse("patients:bedside"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    handover = client.get(reverse("therapy:handover")).content.decode()
    assert f"fluids record {row.pk}" in handover  # "Not counted: …"
    summary = api_as(nurse).get(f"/api/v1/patients/{patient.pk}/summary/")
    assert summary.status_code == 200
    body = summary.json()
    assert body["monitor"]["status"] == "ok" and body["monitor"]["words"] == ""
    assert [s["id"] for s in body["monitor"]["skipped"]] == [str(row.pk)]
    assert api_as(nurse).get("/api/v1/summaries/").status_code == 200


@pytest.mark.parametrize(
    "end_after_start", [timedelta(0), -timedelta(seconds=1)], ids=["0-seconds", "end-before"]
)
def test_the_database_refuses_a_period_that_does_not_end_after_it_starts(
    admission, end_after_start
):
    before = FluidEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        plant_urine(admission, end_after_start)
    assert FluidEntry.objects.count() == before


def _broken(*args: object, **kwargs: object) -> object:
    raise ZeroDivisionError("forced for the test")


def test_a_failing_rule_leaves_its_alert_alone_and_raises_the_others_and_monitor_failure_once(
    admission, nurse, monkeypatch
):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=30, **CRS_GRADE_3)
    t0 = timezone.now()
    evaluation_run(patient_id=patient.pk, reason="vitals", now=t0)
    crs = open_alerts(patient, "crs").get()
    before = (crs.evidence, crs.last_seen_at, crs.clear_since, crs.status, crs.severity)
    record_vitals(patient, nurse, minutes_ago=1, **NEWS2_19)
    monkeypatch.setattr(assessment_module, "crs_assess", _broken)

    first = evaluation_run(patient_id=patient.pk, reason="vitals", now=t0 + timedelta(minutes=1))
    second = evaluation_run(patient_id=patient.pk, reason="vitals", now=t0 + timedelta(minutes=2))

    crs.refresh_from_db()
    assert (crs.evidence, crs.last_seen_at, crs.clear_since, crs.status, crs.severity) == before
    assert open_alerts(patient, "news2_high").exists()  # the other parts still alert
    assert open_alerts(patient, "vls").exists()
    failure = open_alerts(patient, "monitor_failure").get()
    assert Alert.objects.filter(patient=patient, kind="monitor_failure").count() == 1
    assert failure.severity == "emergency"
    assert Notification.objects.filter(alert=failure, event="opened").count() == 1
    (named,) = failure.evidence["failures"]
    assert named["part"] == "crs" and named["rule"] == "crs_assess"
    assert named["error"] == "ZeroDivisionError: forced for the test"
    assert named["where"].endswith("in _broken")
    assert "crs" not in failure.evidence["parts_checked"]
    assert first.succeeded is False and second.succeeded is False
    assert "crs: crs_assess raised ZeroDivisionError" in second.error
    state = MonitorState.objects.get(patient=patient)
    assert state.last_success_at == t0 and state.failing_since == t0 + timedelta(minutes=1)
    assert state.findings["crs"] is None and state.findings["vls"] is not None


def test_a_rule_that_fails_on_one_record_names_that_record(admission, nurse, monkeypatch):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=40)
    bad = record_vitals(patient, nurse, minutes_ago=20, heart_rate=141)
    record_vitals(patient, nurse, minutes_ago=5)
    real = assessment_module.crs_assess

    def fails_on_that_set(record, **kwargs):  # type: ignore[no-untyped-def]
        if any(v.heart_rate == 141 for v in record.vitals):
            raise ArithmeticError("cannot read this set")
        return real(record, **kwargs)

    monkeypatch.setattr(assessment_module, "crs_assess", fails_on_that_set)
    evaluation_run(patient_id=patient.pk, reason="vitals")

    (named,) = open_alerts(patient, "monitor_failure").get().evidence["failures"]
    assert named["record"] == {"kind": "vitals", "id": str(bad.pk)}


def test_a_whole_evaluation_that_fails_is_recorded_and_raises_monitor_failure_once(
    admission, nurse, monkeypatch
):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=5, **NEWS2_19)

    def reconcile_fails(**kwargs: object) -> None:
        raise RuntimeError("reconcile broke")

    monkeypatch.setattr("therapy.monitor.evaluation.alerts_reconcile", reconcile_fails)
    now = timezone.now()
    first = evaluation_run(patient_id=patient.pk, reason="vitals", now=now)
    evaluation_run(patient_id=patient.pk, reason="vitals", now=now + timedelta(minutes=1))

    assert first is not None and first.succeeded is False
    assert "RuntimeError: reconcile broke" in first.error
    assert PatientEvaluation.objects.filter(patient=patient, succeeded=False).count() == 2
    failure = open_alerts(patient, "monitor_failure").get()
    assert Alert.objects.filter(patient=patient, kind="monitor_failure").count() == 1
    assert Notification.objects.filter(alert=failure, event="opened").count() == 1
    assert failure.evidence["scope"] == "evaluation"
    assert failure.evidence["failures"][0]["error"] == "RuntimeError: reconcile broke"
    # Nothing of the failed run was kept: it was rolled back, as a whole.
    assert not open_alerts(patient, "news2_high").exists()
    state = MonitorState.objects.get(patient=patient)
    assert state.assessed_at is None and state.last_success_at is None
    assert state.failing_since == now and state.failure["scope"] == "evaluation"


def test_a_failing_tick_is_logged_once_per_streak(admission, monkeypatch):
    monkeypatch.setattr("therapy.monitor.evaluation.alerts_reconcile", _broken)
    now = timezone.now()
    for minute in range(3):
        evaluation_run(
            patient_id=admission.patient.pk, reason="tick", now=now + timedelta(minutes=minute)
        )
    (logged,) = PatientEvaluation.objects.filter(patient=admission.patient)
    assert logged.reason == "tick" and logged.succeeded is False
    assert open_alerts(admission.patient, "monitor_failure").count() == 1


def test_pages_say_not_monitored_since_and_revert_after_a_success(
    client, api_as, nurse, physician, monkeypatch
):
    stay = AdmissionFactory(bed="1")
    patient = stay.patient
    order_course(patient, physician, first_dose_in=timedelta(minutes=90))
    record_vitals(patient, nurse, minutes_ago=5)
    t0 = timezone.now() - timedelta(minutes=3)
    evaluation_run(patient_id=patient.pk, reason="vitals", now=t0)
    (row,) = ward_board(user=nurse).rows
    assert row.monitor.ok and row.crs_words == "Grade 0" and row.vls_words == "Not suspected"

    monkeypatch.setattr("therapy.monitor.evaluation.alerts_reconcile", _broken)
    evaluation_run(patient_id=patient.pk, reason="vitals", now=t0 + timedelta(minutes=1))

    since = f"Not monitored since {clock(t0, timezone.now())} — the evaluation failed"
    (row,) = ward_board(user=nurse).rows
    assert row.monitor.status == "failing" and row.monitor.words.startswith(since)
    assert row.crs_words == row.vls_words == row.precheck_words == "Not monitored"
    assert row.crs_grade is None and row.precheck is None
    client.force_login(nurse)
    board = client.get(reverse("therapy:board")).content.decode()
    assert since in board and "Grade 0" not in board and "Not suspected" not in board
    bedside = client.get(reverse("patients:bedside")).content.decode()
    assert since in bedside
    chart = client.get(reverse("therapy:chart", args=[patient.pk])).content.decode()
    assert since in chart and "Grade 0" not in chart
    handover = client.get(reverse("therapy:handover"))
    assert handover.status_code == 200 and since in handover.content.decode()
    body = api_as(nurse).get(f"/api/v1/patients/{patient.pk}/summary/").json()
    assert body["monitor"]["status"] == "failing" and body["monitor"]["words"].startswith(since)
    assert body["monitor"]["failed_parts"] == ["evaluation"]
    assert body["crs"] is None and body["vls"] is None and body["precheck"] is None
    (listed,) = api_as(nurse).get("/api/v1/summaries/").json()["results"]
    assert listed["monitor"] == body["monitor"]

    monkeypatch.undo()
    evaluation_run(patient_id=patient.pk, reason="vitals", now=t0 + timedelta(minutes=2))

    (row,) = ward_board(user=nurse).rows
    assert row.monitor.ok and row.monitor.words == "" and row.crs_words == "Grade 0"
    board = client.get(reverse("therapy:board")).content.decode()
    assert "Not monitored since" not in board and "Grade 0" in board
    assert "Not monitored since" not in client.get(reverse("patients:bedside")).content.decode()
    body = api_as(nurse).get(f"/api/v1/patients/{patient.pk}/summary/").json()
    assert body["monitor"]["status"] == "ok" and body["crs"]["grade"] == 0
    assert patient_state(patient=patient).monitor.failing_since is None
    # monitor_failure is absent now: it resolves through the normal path (a due interval).
    failure = Alert.objects.get(patient=patient, kind="monitor_failure")
    assert failure.clear_since == t0 + timedelta(minutes=2)


def test_a_part_that_fails_is_not_monitored_while_the_others_stay_current(
    nurse, admission, monkeypatch
):
    record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    monkeypatch.setattr(assessment_module, "vls_assess", _broken)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals")

    (row,) = ward_board(user=nurse).rows
    assert row.monitor.status == "failing"
    assert "the VLS rule failed (ZeroDivisionError: forced for the test)" in row.monitor.words
    assert row.crs_words == "Grade 3" and row.vls_words == "Not monitored"


def test_one_patients_sheet_failing_does_not_take_the_handover_down(client, nurse, monkeypatch):
    good = AdmissionFactory(bed="1", patient__family_name="Wellcome")
    bad = AdmissionFactory(bed="2", patient__family_name="Brokenshire")
    for stay in (good, bad):
        record_vitals(stay.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
        evaluation_run(patient_id=stay.patient.pk, reason="vitals")
    from therapy.pages import handover

    real = handover.evidence_lines

    def fails_for_one(alert):  # type: ignore[no-untyped-def]
        if alert.patient_id == bad.patient.pk:
            raise KeyError("odd evidence")
        return real(alert)

    monkeypatch.setattr(handover, "evidence_lines", fails_for_one)
    client.force_login(nurse)

    response = client.get(reverse("therapy:handover"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("could not be put together") == 1
    assert "KeyError" in page and "BROKENSHIRE" in page and "WELLCOME" in page
    assert "CRS grade 3 (ASTCT)." in page  # the good patient's evidence, in words
