"""§6 (v2) of clinical-rules.md, pure: the close watch (vitals at least hourly while a
vasopressor runs or the CRS grade is 3 or more) and ``predose_vitals_due`` (routine within 2 h
of a dose with no vitals set in the pre-check window; urgent from 30 min before) — both edges of
every threshold."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from therapy.rules.monitoring import close_watch_reason, predose_vitals, vitals_interval
from therapy.rules.profile import DEFAULT_PROFILE

SETTINGS = DEFAULT_PROFILE.monitoring
H, M = timedelta(hours=1), timedelta(minutes=1)
DOSE_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("in_cycle", "news2", "pressor", "grade", "expected"),
    [
        (True, None, False, None, 2 * H),  # in a cycle: 2-hourly [S9]
        (False, None, False, None, 12 * H),  # outside one
        (True, 4 * H, False, None, 2 * H),  # NEWS2 1-4 asks less often than the cycle
        (True, 15 * M, False, None, 15 * M),  # NEWS2 >= 7 asks more often than the close watch
        (True, None, True, None, 60 * M),  # a vasopressor running: hourly
        (False, None, True, 0, 60 * M),
        (True, None, False, 2, 2 * H),  # grade 2: one below the edge, not the close watch
        (True, None, False, 3, 60 * M),  # grade 3: the edge
        (True, None, False, 4, 60 * M),
        (True, 15 * M, True, 4, 15 * M),  # the shortest interval that applies wins
    ],
)
def test_vitals_interval(in_cycle, news2, pressor, grade, expected):
    interval = vitals_interval(
        in_cycle=in_cycle,
        news2_interval=news2,
        vasopressor_running=pressor,
        crs_grade=grade,
        settings=SETTINGS,
    )
    assert interval == expected


def test_the_close_watch_interval_and_grade_are_settings():
    settings = dataclasses.replace(
        SETTINGS, close_watch_vitals_minutes=45, close_watch_crs_grade_from=4
    )
    assert (
        vitals_interval(
            in_cycle=True,
            news2_interval=None,
            vasopressor_running=False,
            crs_grade=3,
            settings=settings,
        )
        == 2 * H
    )
    assert (
        vitals_interval(
            in_cycle=True,
            news2_interval=None,
            vasopressor_running=False,
            crs_grade=4,
            settings=settings,
        )
        == 45 * M
    )


@pytest.mark.parametrize(
    ("pressor", "grade", "reason"),
    [
        (True, None, "vasopressor_running"),
        (False, 3, "crs_grade"),
        (False, 2, None),
        (False, None, None),
    ],
)
def test_close_watch_reason(pressor, grade, reason):
    assert (
        close_watch_reason(vasopressor_running=pressor, crs_grade=grade, settings=SETTINGS)
        == reason
    )


@pytest.mark.parametrize(
    ("now", "severity"),
    [
        (DOSE_AT - 120 * M - timedelta(microseconds=1), None),  # before the window
        (DOSE_AT - 120 * M, "routine"),  # the window's first instant
        (DOSE_AT - 30 * M - timedelta(microseconds=1), "routine"),
        (DOSE_AT - 30 * M, "urgent"),  # urgent from 30 min before the dose
        (DOSE_AT, "urgent"),
        (DOSE_AT + 45 * M, "urgent"),  # still no vitals after the dose time
    ],
)
def test_predose_vitals_due_severity_over_time(now, severity):
    due = predose_vitals(scheduled_at=DOSE_AT, last_vitals_at=None, settings=SETTINGS)
    assert due.severity(now) == severity


@pytest.mark.parametrize(
    ("last_at", "taken"),
    [
        (DOSE_AT - 120 * M - timedelta(microseconds=1), False),  # just before the window
        (DOSE_AT - 120 * M, True),  # inside the window counts
        (DOSE_AT - 10 * M, True),
    ],
)
def test_predose_vitals_taken_inside_the_window_clear_it(last_at, taken):
    due = predose_vitals(scheduled_at=DOSE_AT, last_vitals_at=last_at, settings=SETTINGS)
    assert due.taken is taken
    assert (due.severity(DOSE_AT - 5 * M) is None) is taken


def test_predose_window_and_urgency_are_settings():
    settings = dataclasses.replace(
        SETTINGS, predose_vitals_window_minutes=90, predose_vitals_urgent_minutes=15
    )
    due = predose_vitals(scheduled_at=DOSE_AT, last_vitals_at=None, settings=settings)
    assert due.severity(DOSE_AT - 91 * M) is None
    assert due.severity(DOSE_AT - 90 * M) == "routine"
    assert due.severity(DOSE_AT - 16 * M) == "routine"
    assert due.severity(DOSE_AT - 15 * M) == "urgent"
