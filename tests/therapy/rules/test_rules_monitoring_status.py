"""The statuses of the work list and of a dose's window (clinical-rules.md §4 (v2), §6), pure:
``DoseWindow``, ``vitals_status``, ``interval_status``, ``fluid_balance_status`` and
``predose_vitals_status`` — both edges of every boundary, and the exact words the pages and the
API show."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from therapy.rules.monitoring import (
    CREATININE_INTERVAL,
    CYCLE_MARGIN,
    WEIGHT_INTERVAL,
    DoseWindow,
    PredoseVitals,
    fluid_balance_status,
    interval_status,
    predose_vitals,
    predose_vitals_status,
    vitals_status,
)
from therapy.rules.profile import DEFAULT_PROFILE

MONITORING = DEFAULT_PROFILE.monitoring  # urgent from 30 min before the dose

H, M = timedelta(hours=1), timedelta(minutes=1)
TICK = timedelta(microseconds=1)
DOSE_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def window() -> DoseWindow:
    # Built inside each test, never at import: a mutation test runs the rules mutated only
    # after the test modules are imported.
    return DoseWindow.of(DOSE_AT, overdue_after=H)


# --- a dose's window ----------------------------------------------------------------------------
def test_the_window_opens_2_hours_before_the_dose_and_is_overdue_after_the_grace():
    assert DoseWindow(opens_at=DOSE_AT - 2 * H, due_at=DOSE_AT, overdue_at=DOSE_AT + H) == window()
    assert DoseWindow.of(DOSE_AT, overdue_after=30 * M).overdue_at == DOSE_AT + 30 * M


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (DOSE_AT - 2 * H - TICK, "scheduled"),
        (DOSE_AT - 2 * H, "due"),  # the window's first instant
        (DOSE_AT, "due"),
        (DOSE_AT + H - TICK, "due"),
        (DOSE_AT + H, "overdue"),  # overdue from the grace's end on
        (DOSE_AT + 5 * H, "overdue"),
    ],
)
def test_dose_window_status(now, status):
    assert window().status(now) == status


@pytest.mark.parametrize(
    ("checked_at", "provisional"),
    [(DOSE_AT - 2 * H - TICK, True), (DOSE_AT - 2 * H, False), (DOSE_AT, False)],
)
def test_a_check_before_the_window_opens_is_provisional(checked_at, provisional):
    assert window().provisional(checked_at) is provisional


# --- vitals and repeated tasks ------------------------------------------------------------------
LAST = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (timedelta(0), "ok"),
        (90 * M - TICK, "ok"),
        (90 * M, "due"),  # three quarters of 2 h
        (2 * H, "due"),  # the whole interval: still due
        (2 * H + TICK, "overdue"),
    ],
)
def test_vitals_status_over_a_2_hour_interval(age, status):
    assert vitals_status(last_at=LAST, interval=2 * H, now=LAST + age) == status
    assert interval_status(last_at=LAST, interval=2 * H, now=LAST + age) == status


@pytest.mark.parametrize(
    ("age", "status"),
    [(18 * H - TICK, "ok"), (18 * H, "due"), (24 * H, "due"), (24 * H + TICK, "overdue")],
)
def test_a_daily_task(age, status):
    assert interval_status(last_at=LAST, interval=24 * H, now=LAST + age) == status


@pytest.mark.parametrize(("interval", "hours"), [(WEIGHT_INTERVAL, 24), (CREATININE_INTERVAL, 12)])
def test_weight_daily_and_creatinine_twice_a_day(interval, hours):
    # §6: the nurse's work list [S8], [S9]; due from three quarters of the interval.
    assert interval_status(last_at=LAST, interval=interval, now=LAST + hours * H) == "due"
    assert (
        interval_status(last_at=LAST, interval=interval, now=LAST + hours * H + TICK) == "overdue"
    )
    assert (
        interval_status(last_at=LAST, interval=interval, now=LAST + hours * 45 * M - TICK) == "ok"
    )


def test_a_cycle_is_active_within_a_day_of_a_dose():
    # §6: vitals every 2 h "in an active cycle" — a dose scheduled within 24 h either side (the
    # monitor compares each dose's time with this margin).
    assert CYCLE_MARGIN == 24 * H


def test_a_task_never_done_is_overdue():
    assert interval_status(last_at=None, interval=24 * H, now=LAST) == "overdue"


# --- the shift's fluid balance ------------------------------------------------------------------
LONDON = ZoneInfo("Europe/London")
SHIFT_START = datetime(2026, 3, 3, 14, 0, tzinfo=LONDON)  # the 14-22 shift
SHIFT_END = SHIFT_START + 8 * H


@pytest.mark.parametrize(
    ("last_charted_end", "local_now", "status"),
    [
        (None, SHIFT_START + H, "overdue"),
        (SHIFT_START - TICK, SHIFT_START + H, "overdue"),  # the previous shift's end not reached
        (SHIFT_START, SHIFT_START + H, "ok"),
        (SHIFT_START + 30 * M, SHIFT_START + H, "ok"),
        (SHIFT_START, SHIFT_END - H - TICK, "ok"),
        (SHIFT_START, SHIFT_END - H, "due"),  # the shift's last hour
        (SHIFT_START, SHIFT_END - TICK, "due"),
        (None, SHIFT_END - 30 * M, "overdue"),
    ],
)
def test_fluid_balance_status(last_charted_end, local_now, status):
    assert fluid_balance_status(last_charted_end=last_charted_end, local_now=local_now) == status


def test_the_fluid_balance_follows_the_shift_of_local_now():
    # At 22:00 a new shift starts: the period charted to 14:00 no longer reaches its start.
    assert fluid_balance_status(last_charted_end=SHIFT_START, local_now=SHIFT_END) == "overdue"
    assert fluid_balance_status(last_charted_end=SHIFT_END, local_now=SHIFT_END) == "ok"


# --- pre-dose vitals ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("last_vitals_at", "now", "status"),
    [
        (None, DOSE_AT - 2 * H - TICK, "upcoming"),
        (None, DOSE_AT - 2 * H, "due"),
        (DOSE_AT - 2 * H - TICK, DOSE_AT - H, "due"),  # taken before the window: not counted
        (DOSE_AT - 2 * H, DOSE_AT - H, "done"),  # the window's first instant counts
        (DOSE_AT - 10 * M, DOSE_AT - 5 * M, "done"),
        (None, DOSE_AT - 30 * M - TICK, "due"),
        (None, DOSE_AT - 30 * M, "overdue"),  # urgent from 30 min before the dose
        (DOSE_AT - 3 * H, DOSE_AT + 10 * M, "overdue"),
    ],
)
def test_predose_vitals_status(last_vitals_at, now, status):
    found = predose_vitals_status(
        window=window(), last_vitals_at=last_vitals_at, now=now, settings=MONITORING
    )
    assert found == status


@pytest.mark.parametrize(
    ("now", "status"), [(DOSE_AT - 45 * M - TICK, "due"), (DOSE_AT - 45 * M, "overdue")]
)
def test_predose_vitals_turn_overdue_by_the_sites_setting(now, status):
    """The work list turns with the alert: a site urgent from 45 min before the dose."""
    settings = replace(MONITORING, predose_vitals_urgent_minutes=45)
    found = predose_vitals_status(window=window(), last_vitals_at=None, now=now, settings=settings)
    assert found == status


def test_predose_vitals_status_without_a_dose_is_none():
    found = predose_vitals_status(
        window=None, last_vitals_at=None, now=DOSE_AT, settings=MONITORING
    )
    assert found == "none"


def test_predose_vitals_names_its_dose_and_window():
    settings = DEFAULT_PROFILE.monitoring
    due = predose_vitals(scheduled_at=DOSE_AT, last_vitals_at=DOSE_AT - H, settings=settings)
    assert due == PredoseVitals(
        scheduled_at=DOSE_AT,
        window_opens_at=DOSE_AT - 2 * H,
        urgent_from=DOSE_AT - 30 * M,
        last_vitals_at=DOSE_AT - H,
    )
