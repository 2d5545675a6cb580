"""§6 (v2): what stops alerts flapping, on the reconcile itself with an explicit clock.

"Absent" needs at least 2 h (the longer of that and the due interval in force when the
condition was last found, counted from the last evaluation that found it) and two consecutive
evaluations that saw it absent on new data; a "not assessable" evaluation keeps the alert as it
was; found again less than 6 h after resolving, the same alert reopens with the gap in its
history. Overdue care keeps the v1 rule; a pre-dose vitals reminder resolves once done."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.factories import PatientFactory
from therapy.models import Alert, AlertStatus, Notification
from therapy.monitor.alerts import alerts_reconcile
from therapy.monitor.assessment import Assessment, Finding

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
M, S = timedelta(minutes=1), timedelta(seconds=1)
CRS = Finding("crs", "emergency", {"grade": 3}, "label-2024+consensus-2014 v2")


class Clock:
    """Evaluations of one patient: ``data`` is the newest recorded change each one saw."""

    def __init__(self) -> None:
        self.patient = PatientFactory()
        self.data = T0

    def run(
        self,
        at: datetime,
        *,
        found: Finding | None = None,
        new_data: bool = True,
        not_assessable: bool = False,
        due: timedelta = 15 * M,
        kind: str = "crs",
    ) -> Alert | None:
        if new_data:
            self.data += S
        assessment = Assessment(at=at, rule_version="v2", due_interval=due, data_as_of=self.data)
        if found is not None:
            assessment.findings[found.kind] = found
        if not_assessable:
            assessment.not_assessable.add(kind)
        alerts_reconcile(patient_id=self.patient.pk, assessment=assessment)
        return Alert.objects.filter(patient=self.patient, kind=kind).order_by("opened_at").last()


def test_crs_does_not_resolve_45_minutes_after_opening():
    """The ward's case: NEWS2 >= 7 (15 min interval) resolved a CRS alert after 45 min in v1."""
    clock = Clock()
    clock.run(T0, found=CRS)
    for minutes in (15, 30, 45, 60, 90):
        alert = clock.run(T0 + minutes * M)
        assert alert is not None and alert.status == AlertStatus.ACTIVE
    assert alert.absent_evaluations == 5


def test_absent_for_2_hours_from_the_last_finding_both_edges():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)
    alert = clock.run(T0 + 120 * M - S)  # two absent evaluations, 1 s short of 2 h
    assert alert is not None and alert.status == AlertStatus.ACTIVE
    alert = clock.run(T0 + 120 * M, new_data=False)  # 2 h: resolves (count already 2)
    assert alert is not None and alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at == T0 + 120 * M
    assert "2 consecutive evaluations on new data" in alert.resolution


def test_the_wait_is_the_due_interval_when_longer_than_2_hours():
    clock = Clock()
    clock.run(T0, found=CRS, due=4 * 60 * M)  # last found with vitals due 4-hourly
    clock.run(T0 + 60 * M)
    alert = clock.run(T0 + 240 * M - S)
    assert alert is not None and alert.status == AlertStatus.ACTIVE
    alert = clock.run(T0 + 240 * M)
    assert alert is not None and alert.status == AlertStatus.RESOLVED


def test_one_evaluation_on_new_data_is_not_enough_however_long():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)  # new data: one
    for hours in (3, 6, 12):  # ticks: the same data
        alert = clock.run(T0 + hours * 60 * M, new_data=False)
        assert alert is not None and alert.status == AlertStatus.ACTIVE
        assert alert.absent_evaluations == 1
    alert = clock.run(T0 + 13 * 60 * M)  # new data: two
    assert alert is not None and alert.status == AlertStatus.RESOLVED


def test_found_again_restarts_the_count_and_the_wait():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)
    clock.run(T0 + 60 * M, found=CRS)  # back
    alert = clock.run(T0 + 150 * M)
    assert alert is not None and alert.absent_evaluations == 1 and alert.clear_since == T0 + 150 * M
    alert = clock.run(T0 + 179 * M)  # two, but 1 min short of 2 h from T0 + 60
    assert alert is not None and alert.status == AlertStatus.ACTIVE
    alert = clock.run(T0 + 180 * M, new_data=False)
    assert alert is not None and alert.status == AlertStatus.RESOLVED


def test_not_assessable_keeps_the_alert_as_it_was():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)  # absent: one
    before = Alert.objects.get(patient=clock.patient, kind="crs")
    for hours in (3, 5, 8):
        alert = clock.run(T0 + hours * 60 * M, not_assessable=True)
        assert alert is not None
        assert alert.status == AlertStatus.ACTIVE
        assert (alert.absent_evaluations, alert.clear_since, alert.data_as_of) == (
            before.absent_evaluations,
            before.clear_since,
            before.data_as_of,
        )


def test_reopened_within_6_hours_is_the_same_alert_with_the_gap_in_its_history():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)
    resolved = clock.run(T0 + 120 * M)
    assert resolved is not None and resolved.status == AlertStatus.RESOLVED
    again = T0 + 120 * M + 6 * 60 * M - S  # 1 s short of 6 h after resolving
    alert = clock.run(again, found=Finding("crs", "urgent", {"grade": 2}, "v2"))
    assert alert is not None and alert.pk == resolved.pk
    assert alert.status == AlertStatus.ACTIVE and alert.resolved_at is None
    assert alert.opened_at == T0 and alert.severity == "urgent" and alert.severity_since == again
    assert [event["event"] for event in alert.lifecycle] == ["opened", "resolved", "reopened"]
    assert alert.lifecycle[-1]["gap_minutes"] == 6 * 60 - 1
    assert alert.lifecycle[-1]["resolved_at"] == (T0 + 120 * M).isoformat()
    assert Alert.objects.filter(patient=clock.patient, kind="crs").count() == 1
    events = set(Notification.objects.filter(alert=alert).values_list("event", flat=True))
    assert events == {"opened", "reopened_1"}


def test_found_6_hours_after_resolving_opens_a_new_alert():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)
    resolved = clock.run(T0 + 120 * M)
    assert resolved is not None
    alert = clock.run(T0 + 120 * M + 6 * 60 * M, found=CRS)
    assert alert is not None and alert.pk != resolved.pk
    assert Alert.objects.filter(patient=clock.patient, kind="crs").count() == 2


def test_reopened_twice_notifies_each_reopening_once():
    clock = Clock()
    at = T0
    for _ in range(3):
        clock.run(at, found=CRS)
        clock.run(at + 30 * M)
        clock.run(at + 120 * M)
        at += 180 * M
    alert = Alert.objects.get(patient=clock.patient, kind="crs")
    assert alert.status == AlertStatus.RESOLVED
    reopened = [event for event in alert.lifecycle if event["event"] == "reopened"]
    assert [event["gap_minutes"] for event in reopened] == [60, 60]
    events = set(Notification.objects.filter(alert=alert).values_list("event", flat=True))
    assert events == {"opened", "reopened_1", "reopened_2"}


def test_the_same_reconcile_twice_counts_once():
    clock = Clock()
    clock.run(T0, found=CRS)
    clock.run(T0 + 30 * M)
    alert = clock.run(T0 + 30 * M, new_data=False)  # delivered twice: the same data
    assert alert is not None and alert.absent_evaluations == 1


def test_predose_vitals_due_resolves_once_done():
    clock = Clock()
    reminder = Finding("predose_vitals_due", "routine", {}, "v2")
    clock.run(T0, found=reminder, kind="predose_vitals_due")
    alert = clock.run(T0 + 5 * M, new_data=False, kind="predose_vitals_due")
    assert alert is not None and alert.status == AlertStatus.RESOLVED
    # A later dose's reminder is a new alert, never a reopened one.
    alert = clock.run(T0 + 60 * M, found=reminder, kind="predose_vitals_due")
    assert alert is not None and alert.status == AlertStatus.ACTIVE
    assert Alert.objects.filter(patient=clock.patient, kind="predose_vitals_due").count() == 2


STEP = st.tuples(
    st.sampled_from(["found", "absent", "not_assessable"]),
    st.booleans(),  # new data
    st.integers(min_value=1, max_value=240),  # minutes since the previous evaluation
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_an_alert_never_resolves_on_not_assessable_data_nor_too_soon(steps: Any) -> None:
    clock = Clock()
    at = T0
    clock.run(at, found=CRS)
    last_found, absent_on_new_data, judged = at, 0, clock.data
    for what, new_data, minutes in steps:
        at += minutes * M
        before = Alert.objects.filter(patient=clock.patient, kind="crs").order_by("opened_at")
        was = before.last()
        assert was is not None
        alert = clock.run(
            at,
            found=CRS if what == "found" else None,
            new_data=new_data,
            not_assessable=what == "not_assessable",
        )
        assert alert is not None
        if what == "found":
            last_found, absent_on_new_data, judged = at, 0, clock.data
            assert alert.status == AlertStatus.ACTIVE
            continue
        if was.status == AlertStatus.RESOLVED:
            assert alert.status == AlertStatus.RESOLVED
            continue
        if what == "not_assessable":
            assert alert.status == AlertStatus.ACTIVE  # never resolves on it
            continue
        if clock.data > judged:  # newer than what the alert was last judged on
            absent_on_new_data, judged = absent_on_new_data + 1, clock.data
        if alert.status == AlertStatus.RESOLVED:
            assert absent_on_new_data >= 2
            assert at - last_found >= 120 * M
        else:
            assert absent_on_new_data < 2 or at - last_found < 120 * M


# Through the monitor: oliguria between shifts is "not assessable", never "absent" -------------
def _urine(patient: Any, nurse: Any, volume: int, start: datetime, end: datetime) -> None:
    from patients.services.observations import fluid_record

    fluid_record(
        patient=patient,
        by=nurse,
        direction="output",
        route="urine",
        volume_ml=volume,
        period_start=start,
        period_end=end,
    )


@pytest.mark.parametrize(("charted", "kept"), [(False, True), (True, False)])
def test_vls_on_oliguria_keeps_its_state_while_urine_is_not_assessable(
    admission: Any, nurse: Any, charted: bool, kept: bool
) -> None:
    from tests.support.therapy_fixtures import record_vitals
    from therapy.monitor.evaluation import evaluation_run

    patient = admission.patient
    taken = record_vitals(
        patient, nurse, minutes_ago=4 * 60, systolic_bp=86, diastolic_bp=50
    ).taken_at
    _urine(patient, nurse, 50, taken - 8 * 60 * M, taken)  # 50 mL in 8 h: oliguria
    evaluation_run(patient_id=patient.pk, reason="vitals", now=taken)
    alert = Alert.objects.get(patient=patient, kind="vls")
    assert set(alert.evidence["present"]) == {"hypotension", "oliguria"}

    latest = record_vitals(patient, nurse, minutes_ago=1, systolic_bp=86, diastolic_bp=50)
    if charted:  # the shift's urine charted: oliguria absent, so VLS is
        _urine(patient, nurse, 600, taken, latest.taken_at)
    evaluation = evaluation_run(patient_id=patient.pk, reason="vitals", now=latest.taken_at)

    assert "vls" not in evaluation.findings["alerts"]
    oliguria = next(s for s in evaluation.findings["vls"]["signs"] if s["code"] == "oliguria")
    assert oliguria["status"] == ("absent" if charted else "not_assessable")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTIVE
    assert (alert.clear_since is None, alert.absent_evaluations) == (
        (True, 0) if kept else (False, 1)
    )
