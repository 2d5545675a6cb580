"""Ward trajectories replayed through the API with the real monitor (clinical-rules v2 §6, §7):
a progressive capillary leak, escalating oxygen, and phenylephrine rising at dose times.

The clock is moved (time-machine) through two days of care: 2-hourly vitals and 8-hourly urine
posted through the REST API, the monitor run after each record, and at each dose time the
nurse asks the API for the pre-check and gives or holds as it says. Each test reports the
hours between the first alert (and the first ``trend`` alert) and the first held dose: the
trend warnings are meant to come first."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.support.factories import UserFactory
from tests.support.therapy_fixtures import order_course
from therapy.models import Alert, Dose
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
VERIFIER = {"username": "nurse.checker", "password": "correct-horse-battery"}
NORMAL = {
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "systolic_bp": 122,
    "diastolic_bp": 74,
    "heart_rate": 84,
    "consciousness": "alert",
    "temperature_c": "37.0",
    "vasopressors": [],
}


@pytest.fixture
def checker(db):  # type: ignore[no-untyped-def]
    """The second nurse who verifies each give."""
    return UserFactory(role="nurse", username="nurse.checker")


@dataclass
class Replay:
    """One patient's two days, hour by hour from ``start`` (a dose at ``start + 1 h``)."""

    client: Any
    patient: Any
    course: Any
    start: datetime
    log: list[str] = field(default_factory=list)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, body, format="json")
        assert response.status_code in (200, 201), (path, response.json())
        return response.json()

    def vitals(self, at: datetime, values: dict[str, Any]) -> None:
        body = {**NORMAL, **values, "taken_at": at.isoformat()}
        self.post(f"/api/v1/patients/{self.patient.pk}/vitals/", body)

    def urine(self, start: datetime, end: datetime, volume_ml: int) -> None:
        body = {
            "direction": "output",
            "route": "urine",
            "volume_ml": volume_ml,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        }
        self.post(f"/api/v1/patients/{self.patient.pk}/fluids/", body)

    def evaluate(self, at: datetime) -> None:
        evaluation_run(patient_id=self.patient.pk, reason="vitals", now=at)

    def decide(self, dose: Dose, at: datetime) -> str:
        check = self.client.get(f"/api/v1/doses/{dose.pk}/precheck/").json()
        recommendation = check["recommendation"]
        if recommendation == "give":
            self.post(
                f"/api/v1/doses/{dose.pk}/administer/",
                {"given_at": at.isoformat(), "verifier": VERIFIER},
            )
            return "given"
        reasons = [c["code"] for c in check["criteria"]] or ["clinical_judgement"]
        self.post(
            f"/api/v1/doses/{dose.pk}/hold/",
            {"reasons": reasons, "note": f"Pre-check says {recommendation}"},
        )
        self.log.append(f"{at - self.start} held: {', '.join(reasons)}")
        return "held"


Picture = Callable[[float], dict[str, Any]]  # hours since the start -> vitals values
Urine = Callable[[float], int]  # hours since the start (shift end) -> mL over the shift


def replay(
    client: Any, patient: Any, physician: Any, picture: Picture, urine: Urine, hours: int = 48
) -> tuple[Replay, dict[str, float | None]]:
    """Run the trajectory; returns the replay and, in hours from the start, the first alert of
    a clinical kind, the first ``trend`` alert and the first held dose."""
    start = (timezone.now() + 2 * H).replace(minute=0, second=0, microsecond=0)
    with time_machine.travel(start - 30 * timedelta(minutes=1), tick=False) as traveller:
        course = order_course(patient, physician, first_dose_in=90 * timedelta(minutes=1))
        run = Replay(client, patient, course, start)
        first_held: float | None = None
        for hour in range(hours + 1):
            now = start + hour * H
            traveller.move_to(now)
            if hour % 2 == 0:
                run.vitals(now, picture(hour))
            if hour % 8 == 0 and hour > 0:
                run.urine(now - 8 * H, now, urine(hour))
            run.evaluate(now)
            due = course.doses.filter(status="scheduled", scheduled_at__lte=now).first()
            if due is not None:
                if run.decide(due, now) == "held" and first_held is None:
                    first_held = hour
                run.evaluate(now)

    def first(**filters: Any) -> float | None:
        alert = (
            Alert.objects.filter(patient=patient, **filters)
            .exclude(kind__in=["vitals_overdue", "predose_vitals_due", "dose_overdue"])
            .order_by("opened_at")
            .first()
        )
        return None if alert is None else (alert.opened_at - start) / H

    clinical = (
        Alert.objects.filter(patient=patient)
        .exclude(kind__in=["vitals_overdue", "predose_vitals_due", "dose_overdue"])
        .order_by("opened_at")
        .values_list("kind", flat=True)
    )
    run.log.append("alerts in order opened: " + ", ".join(clinical))
    return run, {
        "first_alert": first(),
        "first_trend": first(kind="trend"),
        "first_held": first_held,
    }


def report(name: str, times: dict[str, float | None], run: Replay) -> None:
    lead = (
        None
        if times["first_held"] is None or times["first_alert"] is None
        else times["first_held"] - times["first_alert"]
    )
    line = f"{name}: {times}; first alert {lead} h before the first held dose; {run.log}"
    print(line)
    path = os.environ.get("TRAJECTORY_REPORT")  # the figures, when asked for (the report)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def leak(hour: float) -> dict[str, Any]:
    """Capillary leak: SBP down 1 mmHg/h, weight up 4 % a day, heart rate creeping up."""
    values: dict[str, Any] = {
        "systolic_bp": int(122 - hour),
        "diastolic_bp": int(74 - hour / 2),
        "heart_rate": int(84 + hour / 3),
    }
    if hour % 24 == 0:
        gain = 1 + Decimal(hour) / 24 * 4 / 100
        values["weight_kg"] = str((Decimal("72.0") * gain).quantize(Decimal("0.1")))
    return values


def test_progressive_capillary_leak_is_projected_before_the_first_hold(
    api_as, admission, nurse, checker, physician
):
    run, times = replay(api_as(nurse), admission.patient, physician, leak, lambda h: 560 - 8 * h)
    report("capillary leak", times, run)
    assert times["first_trend"] is not None and times["first_held"] is not None
    assert times["first_trend"] < times["first_held"]
    trend = Alert.objects.filter(patient=admission.patient, kind="trend").order_by("opened_at")
    assert trend.first().evidence["crossings"][0]["series"] in {
        "systolic_bp",
        "weight_gain_pct",
        "urine_ml_per_shift",
    }


def escalating_oxygen(hour: float) -> dict[str, Any]:
    """Oxygen need rising: 1 L/min more every 12 h from hour 6, SpO2 drifting down."""
    flow = max(0, int((hour - 6) // 12) + 1) if hour >= 6 else 0
    values: dict[str, Any] = {"spo2": int(97 - hour / 12), "respiratory_rate": int(16 + hour / 6)}
    if flow:
        values |= {"oxygen_device": "nasal_cannula", "oxygen_flow_l_min": str(flow)}
    return values


def test_escalating_oxygen_alerts_before_the_first_hold(
    api_as, admission, nurse, checker, physician
):
    """Oxygen flow is not a §7 series and NEWS2 climbs in steps here, so no ``trend`` is
    promised (the report says whether one came); an alert must still come before the hold."""
    run, times = replay(
        api_as(nurse), admission.patient, physician, escalating_oxygen, lambda h: 560
    )
    report("escalating oxygen", times, run)
    held = Dose.objects.filter(course__patient=admission.patient, status="held")
    assert times["first_held"] is not None  # oxygen 3-4 L/min holds (§4)
    assert "oxygen_3_to_4_l" in held.order_by("scheduled_at").first().hold_reasons
    assert times["first_alert"] is not None and times["first_alert"] < times["first_held"]


def phenylephrine_at_doses(hour: float) -> dict[str, Any]:
    """Blood pressure held up with phenylephrine, raised 0.2 ug/kg/min each day."""
    dose = Decimal("0.2") * (1 + int(hour // 16))
    return {
        "systolic_bp": 96,
        "diastolic_bp": 60,
        "vasopressors": [{"agent": "phenylephrine", "dose": str(dose), "dose_unit": "mcg_kg_min"}],
    }


def test_phenylephrine_rising_at_dose_times_is_watched_hourly_and_held_above_0_5(
    api_as, admission, nurse, checker, physician
):
    run, times = replay(
        api_as(nurse), admission.patient, physician, phenylephrine_at_doses, lambda h: 560
    )
    report("phenylephrine", times, run)
    held = Dose.objects.filter(course__patient=admission.patient, status="held").order_by(
        "scheduled_at"
    )
    assert held.exists()
    assert "phenylephrine_at_dose" in held.first().hold_reasons
    given = Dose.objects.filter(course__patient=admission.patient, status="given")
    assert given.exists()  # phenylephrine at or below 0.5 is allowed at dose time (§4)
    # Vitals were due hourly throughout: a vasopressor runs (§6 (v2)).
    from therapy.models import MonitorState

    findings = MonitorState.objects.get(patient=admission.patient).findings
    assert findings["due_interval_minutes"] <= 60 and findings["close_watch"] == (
        "vasopressor_running"
    )
