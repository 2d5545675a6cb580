"""Every alert kind of clinical-rules.md §6, raised and then resolved: the condition is removed
the way a ward would remove it, care goes on (vitals keep being charted), and the alert
resolves only once the condition has been absent long enough (§6 (v2): 2 h and two evaluations
on new data for a finding; a whole due interval for overdue care).

The timeline is in the past (``B`` is 3 h ago) so every record can be charted at its real
clinical time and the evaluations run with an explicit clock — no sleeps."""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar import courses
from therapy.models import Alert, AlertStatus
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

NOREPINEPHRINE = [{"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}]


class Ward:
    def __init__(self, admission: Any, nurse: Any, physician: Any) -> None:
        self.patient, self.nurse, self.physician = admission.patient, nurse, physician
        self.now = timezone.now()
        self.base = self.now - timedelta(hours=3)  # B
        self.course: Any = None

    def minutes_ago(self, offset_from_base: timedelta) -> int:
        return int((self.now - (self.base + offset_from_base)).total_seconds() // 60)

    def vitals(self, offset: timedelta, **values: Any) -> None:
        record_vitals(self.patient, self.nurse, minutes_ago=self.minutes_ago(offset), **values)

    def order(self, first_dose: timedelta) -> None:
        self.course = order_course(
            self.patient, self.physician, first_dose_in=self.base + first_dose - timezone.now()
        )

    def evaluate(self, at: datetime, reason: str = "vitals") -> Any:
        return evaluation_run(patient_id=self.patient.pk, reason=reason, now=at)


M = timedelta(minutes=1)
RAISE_AT, CLEAR_AT = -30 * M, -1 * M


def news2(**level: Any) -> Callable[[Ward], None]:
    return lambda ward: ward.vitals(-60 * M, **level)


def hold(ward: Ward) -> None:
    ward.order(first_dose=80 * M)  # the pre-check window opens 2 h before, at B - 40 min
    ward.vitals(-35 * M, heart_rate=118)


def dose_overdue(ward: Ward) -> None:
    ward.order(first_dose=-75 * M)  # 45 min past its time at B - 30 min
    ward.vitals(-60 * M)


def vitals_overdue(ward: Ward) -> None:
    ward.order(first_dose=5 * 60 * M)  # in a cycle: vitals due every 2 h
    ward.vitals(-160 * M)


def normal(ward: Ward) -> None:
    ward.vitals(CLEAR_AT)


def crs_cleared(ward: Ward) -> None:
    ward.vitals(CLEAR_AT, vasopressors=[])  # pressure back, infusion off: fever alone is grade 1


def hold_dose_1(ward: Ward) -> None:
    dose = ward.course.doses.get(number=1)
    courses.dose_hold(
        dose=dose,
        by=ward.nurse,
        reasons=["clinical_judgement"],
        note="Rigors",
        held_at=ward.base + CLEAR_AT,
        now=ward.base + CLEAR_AT,  # recorded as it happened
    )
    ward.vitals(CLEAR_AT)


CASES = [
    ("news2_low_medium", news2(respiratory_rate=26), normal),
    (
        "news2_medium",
        news2(respiratory_rate=22, heart_rate=115, temperature_c=Decimal("38.5")),
        normal,
    ),
    (
        "news2_high",
        news2(
            respiratory_rate=26,
            spo2=91,
            systolic_bp=100,
            heart_rate=115,
            temperature_c=Decimal("38.5"),
        ),
        normal,
    ),
    (
        "crs",
        news2(
            temperature_c=Decimal("38.6"),
            systolic_bp=84,
            diastolic_bp=50,
            vasopressors=NOREPINEPHRINE,
        ),
        crs_cleared,
    ),
    ("vls", news2(systolic_bp=86, diastolic_bp=50, weight_kg=Decimal("77.0")), normal),
    ("hold_criteria", hold, normal),
    ("dose_overdue", dose_overdue, hold_dose_1),
    ("vitals_overdue", vitals_overdue, normal),
]


STEADY = {"news2_low_medium", "news2_medium", "news2_high", "crs", "vls", "hold_criteria"}


@pytest.mark.parametrize(
    ("kind", "raise_it", "clear_it"),
    [case for case in CASES if case[0] in STEADY],
    ids=[case[0] for case in CASES if case[0] in STEADY],
)
def test_a_finding_resolves_after_2_hours_and_two_evaluations_on_new_data(
    admission, nurse, physician, kind, raise_it, clear_it
):
    """§6 (v2): absent for at least 2 h (or the due interval in force when last found, if
    longer) from the last evaluation that found it, and seen absent by two consecutive
    evaluations on new data."""
    ward = Ward(admission, nurse, physician)
    raise_it(ward)
    ward.evaluate(ward.base + RAISE_AT)
    alert = Alert.objects.get(patient=ward.patient, kind=kind)
    assert alert.status == AlertStatus.ACTIVE
    wait = max(timedelta(hours=2), timedelta(minutes=alert.seen_due_minutes))
    resolve_at = alert.last_seen_at + wait

    clear_it(ward)
    ward.vitals(60 * M)
    evaluation = ward.evaluate(ward.base)  # absent, on new data: one
    assert kind not in evaluation.findings["alerts"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.clear_since == ward.base
    assert alert.absent_evaluations == 1

    ward.evaluate(resolve_at, reason="tick")  # the time has come, but no new data
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.absent_evaluations == 1

    ward.vitals(110 * M)  # care goes on: a new set
    ward.evaluate(resolve_at - timedelta(seconds=1))  # two on new data, 1 s short of the wait
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.absent_evaluations == 2

    ward.evaluate(resolve_at, reason="tick")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at == resolve_at
    assert [event["event"] for event in alert.lifecycle] == ["opened", "resolved"]
    assert Alert.objects.filter(patient=ward.patient, kind=kind).count() == 1


@pytest.mark.parametrize(
    ("kind", "raise_it", "clear_it"),
    [case for case in CASES if case[0] not in STEADY],
    ids=[case[0] for case in CASES if case[0] not in STEADY],
)
def test_overdue_care_resolves_after_a_whole_due_interval(
    admission, nurse, physician, kind, raise_it, clear_it
):
    """Overdue care keeps the v1 rule: absent for a whole due interval from the first
    evaluation that found it absent."""
    ward = Ward(admission, nurse, physician)
    raise_it(ward)
    ward.evaluate(ward.base + RAISE_AT)
    alert = Alert.objects.get(patient=ward.patient, kind=kind)
    assert alert.status == AlertStatus.ACTIVE

    clear_it(ward)
    for offset in (60 * M, 110 * M):  # care goes on: vitals charted through the interval
        ward.vitals(offset)
    evaluation = ward.evaluate(ward.base)
    assert kind not in evaluation.findings["alerts"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE and alert.clear_since == ward.base
    interval = timedelta(minutes=evaluation.findings["due_interval_minutes"])
    resolve_at = ward.base + interval

    ward.evaluate(resolve_at - timedelta(seconds=1), reason="tick")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE  # not yet a whole interval

    ward.evaluate(resolve_at, reason="tick")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at == resolve_at
    assert Alert.objects.filter(patient=ward.patient, kind=kind).count() == 1
