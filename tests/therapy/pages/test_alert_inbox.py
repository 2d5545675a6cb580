"""The alert inbox: open alerts most severe then newest first, evidence in plain words, the
escalation state, and acknowledging with a note — where bad input writes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.support.therapy_fixtures import CRS_GRADE_3, NEWS2_MEDIUM, admitted
from therapy.models import Alert, AlertStatus
from therapy.pages.inbox import alert_inbox
from therapy.pages.wording import escalation_words, evidence_lines

pytestmark = pytest.mark.django_db


def alert(**fields):  # type: ignore[no-untyped-def]
    now = timezone.now()
    defaults = {
        "kind": "crs",
        "severity": "emergency",
        "severity_rank": 2,
        "status": "active",
        "severity_since": now,
        "opened_at": now,
        "evidence": {},
    }
    return Alert(**{**defaults, **fields})


def test_open_alerts_most_severe_then_newest_with_words_and_escalation(client, nurse):
    crs = admitted(nurse, vitals=CRS_GRADE_3, bed="3", patient__family_name="Achebe")
    medium = admitted(nurse, vitals=NEWS2_MEDIUM, bed="4", patient__family_name="Berg")
    client.force_login(nurse)

    page = client.get(reverse("therapy:alert-inbox")).content.decode()

    inbox = alert_inbox(user=nurse)
    kinds = [(i.alert.patient_id, i.alert.kind) for i in inbox.active]
    assert kinds[0] == (crs.patient.pk, "crs")  # the emergency first
    ranks = [i.alert.severity_rank for i in inbox.active]
    assert ranks == sorted(ranks, reverse=True)
    assert (medium.patient.pk, "news2_medium") in kinds
    assert "EMERGENCY" in page and "Cytokine release syndrome" in page
    assert "CRS grade 3 (ASTCT)." in page
    assert "(medium) from the vitals taken" in page
    assert "Escalates" in page and "unless acknowledged" in page
    assert "ACHEBE" in page and "bed 3" in page
    assert page.count('name="note"') == len(inbox.active)


def test_acknowledge_with_a_note(client, nurse):
    stay = admitted(nurse, vitals=CRS_GRADE_3, ward="7B Oncology")
    target = Alert.objects.get(patient=stay.patient, kind="crs")
    client.force_login(nurse)

    response = client.post(
        reverse("therapy:alert-acknowledge", args=[target.pk]),
        {"note": "  Dr Okafor informed; fluid bolus started  ", "ward": "7B Oncology"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("therapy:alert-inbox") + "?ward=7B+Oncology"
    target.refresh_from_db()
    assert target.status == AlertStatus.ACKNOWLEDGED and target.acknowledged_by == nurse
    assert target.acknowledge_note == "Dr Okafor informed; fluid bolus started"
    page = client.get(response["Location"]).content.decode()
    assert "Cytokine release syndrome for" in page and "acknowledged." in page
    assert "Acknowledged by <strong>nurse.one</strong>" in page
    assert "Acknowledged: does not escalate." in page


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Say what was done (for example, who was informed) before acknowledging."),
        ("   ", "Say what was done (for example, who was informed) before acknowledging."),
        ("x" * 1001, "Keep the note under 1000 characters."),
    ],
)
def test_a_bad_note_shows_why_and_writes_nothing(client, nurse, note, message):
    stay = admitted(nurse, vitals=CRS_GRADE_3)
    target = Alert.objects.get(patient=stay.patient, kind="crs")
    before = Alert.objects.filter(pk=target.pk).values().get()
    client.force_login(nurse)

    response = client.post(reverse("therapy:alert-acknowledge", args=[target.pk]), {"note": note})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'aria-invalid="true"' in page
    assert Alert.objects.filter(pk=target.pk).values().get() == before


def test_acknowledging_twice_is_refused_and_writes_nothing(client, nurse, physician):
    stay = admitted(nurse, vitals=CRS_GRADE_3)
    target = Alert.objects.get(patient=stay.patient, kind="crs")
    client.force_login(nurse)
    url = reverse("therapy:alert-acknowledge", args=[target.pk])
    client.post(url, {"note": "informed the registrar"})
    before = Alert.objects.filter(pk=target.pk).values().get()

    client.force_login(physician)
    response = client.post(url, {"note": "seen"})

    assert response.status_code == 409
    assert "This alert is already acknowledged. Nothing was changed." in response.content.decode()
    assert Alert.objects.filter(pk=target.pk).values().get() == before


def test_who_may_see_and_acknowledge(client, nurse, pharmacist, make_user):
    stay = admitted(nurse, vitals=CRS_GRADE_3)
    target = Alert.objects.get(patient=stay.patient, kind="crs")
    url = reverse("therapy:alert-acknowledge", args=[target.pk])

    client.force_login(pharmacist)
    page = client.get(reverse("therapy:alert-inbox")).content.decode()
    assert "Cytokine release syndrome" in page and 'name="note"' not in page
    assert client.post(url, {"note": "seen"}).status_code == 403
    client.force_login(make_user(None, username="no.role"))
    assert client.get(reverse("therapy:alert-inbox")).status_code == 403
    client.force_login(nurse)
    assert client.get(url).status_code == 405
    missing = reverse("therapy:alert-acknowledge", args=["00000000-0000-0000-0000-000000000000"])
    assert client.post(missing, {"note": "x"}).status_code == 404
    assert client.get(reverse("therapy:alert-inbox"), {"patient": "nope"}).status_code == 404
    target.refresh_from_db()
    assert target.status == AlertStatus.ACTIVE


def test_filter_by_ward_and_by_patient(client, nurse):
    seven = admitted(nurse, vitals=CRS_GRADE_3, ward="7B Oncology", bed="1")
    eight = admitted(nurse, vitals=CRS_GRADE_3, ward="8A Haematology", bed="1")

    by_ward = alert_inbox(user=nurse, ward="8A Haematology")
    by_patient = alert_inbox(user=nurse, patient_id=seven.patient.pk)

    assert {i.alert.patient_id for i in by_ward.active} == {eight.patient.pk}
    assert {i.alert.patient_id for i in by_patient.active} == {seven.patient.pk}
    assert by_ward.active[0].alert.ward == "8A Haematology" and by_ward.active[0].alert.bed == "1"


def test_inbox_queries_do_not_grow_with_the_number_of_alerts(
    client, nurse, django_assert_num_queries
):
    client.force_login(nurse)
    url = reverse("therapy:alert-inbox")
    admitted(nurse, vitals=CRS_GRADE_3, bed="1")
    client.get(url)

    # the session, the user and its permissions (2), the alerts with their beds, their
    # escalation notifications, the wards, the header's groups and alert counts
    with django_assert_num_queries(9):  # 2 alerts
        assert client.get(url).status_code == 200
    for bed in range(2, 8):
        admitted(nurse, vitals=CRS_GRADE_3, bed=str(bed))
    assert Alert.objects.count() >= 12
    with django_assert_num_queries(9):  # 12 or more: the same
        assert client.get(url).status_code == 200


def test_evidence_in_plain_words_for_every_kind():
    taken = "2026-03-03T14:05:00+00:00"
    news2 = alert(
        kind="news2_high",
        evidence={
            "total": 8,
            "band": "high",
            "red_flag": True,
            "taken_at": taken,
            "subscores": {"respiratory_rate": 3, "spo2": 0, "heart_rate": 2},
        },
    )
    assert evidence_lines(news2) == [
        "NEWS2 8 (high) from the vitals taken 3 Mar 14:05.",
        "Scoring: respiratory rate 3, heart rate 2.",
        "A single parameter scores 3 (red score).",
    ]
    crs = alert(
        evidence={"grade": 2, "reasons": ["Fever 38.6 °C", "SBP 86 < 90"], "fever_masked": True}
    )
    assert evidence_lines(crs)[:3] == ["CRS grade 2 (ASTCT).", "Fever 38.6 °C", "SBP 86 < 90"]
    assert "masked" in evidence_lines(crs)[3]
    vls = alert(
        kind="vls",
        evidence={
            "severity": "critical",
            "signs": [
                {"code": "weight_gain", "status": "present", "value": "7.2", "threshold": "≥ 5 %"},
                {"code": "hypoxia", "status": "absent", "value": 97},
            ],
        },
    )
    assert evidence_lines(vls) == [
        "Vascular leak suspected, critical.",
        "Weight gain: 7.2 (threshold ≥ 5 %).",
    ]
    hold = alert(
        kind="hold_criteria",
        evidence={
            "recommendation": "hold",
            "cycle": 1,
            "dose_number": 3,
            "scheduled_at": taken,
            "criteria": [
                {"action": "hold", "code": "sbp_lt_90", "value": 84, "threshold": "SBP < 90"}
            ],
        },
    )
    assert evidence_lines(hold) == [
        "Pre-dose check for cycle 1 dose 3 (due 3 Mar 14:05) says HOLD.",
        "HOLD: SBP 84 mmHg (systolic BP below 90 mmHg).",
    ]
    overdue = alert(
        kind="vitals_overdue",
        evidence={"last_vitals_at": None, "due_interval_minutes": 120, "overdue_since": taken},
    )
    assert evidence_lines(overdue) == [
        "No vitals recorded this admission. Due every 120 min; overdue since 3 Mar 14:05."
    ]
    dose = alert(
        kind="dose_overdue",
        evidence={"cycle": 1, "number": 4, "scheduled_at": taken, "overdue_after_minutes": 30},
    )
    assert evidence_lines(dose) == [
        "Cycle 1 dose 4 was due 3 Mar 14:05; neither given nor held 30 min later."
    ]
    odd = alert(kind="news2_high", evidence={"band": "purple"})
    assert evidence_lines(odd) == ["{'band': 'purple'}"]  # shown raw, never hidden


def test_escalation_words(settings):
    now = timezone.now()
    settings.IL2_ESCALATE_EMERGENCY_MINUTES = 15
    assert "unless acknowledged" in escalation_words(alert(severity_since=now), now)
    late = alert(severity_since=now - timedelta(minutes=20))
    assert escalation_words(late, now).startswith("Escalation due since")
    done = alert(escalated_at=now - timedelta(minutes=2))
    done.escalations = []  # no notification recorded: never claim anyone was told
    words = escalation_words(done, now)
    assert words.startswith("Escalated") and "on call" not in words
    assert "nobody outside the app was notified" in words
    routine = alert(kind="vitals_overdue", severity="routine", severity_rank=0)
    assert escalation_words(routine, now) == "Routine: does not escalate."
    assert escalation_words(alert(status="acknowledged"), now) == (
        "Acknowledged: does not escalate."
    )


def test_evidence_reads_local_times_and_words_not_utc_stamps_or_codes():
    """Issue 14 item 5: "2026-11-30T04:57:23.812517+00:00" and "room_air" never reach a
    clinician; one wording module turns them into "04:57" and "room air"."""
    from therapy.pages.wording import code_words, criterion_name

    line = code_words("Oxygen: room_air; latest vitals (2026-11-30T04:57:23.812517+00:00) old")
    assert "room air" in line and "room_air" not in line
    assert "T04:57" not in line and ":57" in line
    assert criterion_name("hr_100_130") == "Heart rate 100–130 /min"
    assert criterion_name("creatinine_2_5_to_2_9") == "Creatinine 2.5–2.9 mg/dL"
    assert criterion_name("unknown_code", "SBP < 80") == "SBP < 80"
