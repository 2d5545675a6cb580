"""The q8h schedule of a course and its limits (clinical-rules.md §4, [S1])."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from therapy.rules.inputs import DoseRecord, DoseStatus
from therapy.rules.profile import DEFAULT_PROFILE
from therapy.rules.schedule import (
    MAX_DOSES_PER_COURSE,
    ScheduleInputError,
    administration_refusals,
    course_schedule,
    course_start_errors,
    doses_given,
    doses_to_cancel,
    earliest_next_dose,
)

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CYCLE_2 = START + timedelta(days=14)


def test_two_cycles_of_fourteen_doses_every_eight_hours() -> None:
    doses = course_schedule(cycle_1_start=START, cycle_2_start=CYCLE_2)
    assert len(doses) == MAX_DOSES_PER_COURSE == 28
    first, last = doses[0], doses[13]
    assert (first.cycle, first.number, first.scheduled_at) == (1, 1, START)
    assert (last.cycle, last.number) == (1, 14)
    assert last.scheduled_at == START + timedelta(hours=8 * 13)  # day 5
    assert (doses[14].cycle, doses[14].number, doses[14].scheduled_at) == (2, 1, CYCLE_2)
    assert doses[27].scheduled_at == CYCLE_2 + timedelta(hours=104)
    gaps = {b.scheduled_at - a.scheduled_at for a, b in pairwise(doses[:14])}
    assert gaps == {timedelta(hours=8)}


def test_one_cycle_and_a_smaller_maximum() -> None:
    doses = course_schedule(cycle_1_start=START, max_doses_per_cycle=10, interval_hours=12)
    assert [d.number for d in doses] == list(range(1, 11))
    assert doses[-1].scheduled_at == START + timedelta(hours=108)


INTERVAL = "must be a whole number of hours from 8 to 24"
AWARE = "must be a timezone-aware datetime"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"max_doses_per_cycle": 15}, "max_doses_per_cycle", "must be from 1 to 14"),
        ({"max_doses_per_cycle": 0}, "max_doses_per_cycle", "must be from 1 to 14"),
        ({"interval_hours": 7}, "interval_hours", INTERVAL),
        ({"interval_hours": 25}, "interval_hours", INTERVAL),
        ({"interval_hours": 8.0}, "interval_hours", INTERVAL),
        ({"cycle_1_start": datetime(2026, 11, 23, 8)}, "cycle_1_start", AWARE),
        ({"cycle_2_start": datetime(2026, 12, 7, 8)}, "cycle_2_start", AWARE),
        # Overlapping cycle 1 (its last dose is at 104 h).
        ({"cycle_2_start": START + timedelta(hours=104)}, "cycle_2_start",
         "must be after the last dose of cycle 1"),
    ],
)  # fmt: skip
def test_schedule_input_errors(changes: dict[str, Any], field: str, message: str) -> None:
    arguments: dict[str, Any] = {"cycle_1_start": START, **changes}
    with pytest.raises(ScheduleInputError) as caught:
        course_schedule(**arguments)
    assert caught.value.errors == {field: [message]}


@pytest.mark.parametrize(
    ("changes"),
    [
        {"max_doses_per_cycle": 14, "interval_hours": 8},
        {"max_doses_per_cycle": 1, "interval_hours": 24},
        {"cycle_2_start": START + timedelta(hours=104, seconds=1)},
    ],
)
def test_schedule_input_edges_accepted(changes: dict[str, Any]) -> None:
    assert course_schedule(cycle_1_start=START, **changes)


def history(statuses: str, cycle: int = 1) -> list[DoseRecord]:
    """One letter per dose slot: g given, h held, s scheduled, c cancelled."""
    names = {"g": "given", "h": "held", "s": "scheduled", "c": "cancelled"}
    return [
        DoseRecord(cycle, n, START + timedelta(hours=8 * (n - 1)), names[letter])  # type: ignore[arg-type]
        for n, letter in enumerate(statuses, start=1)
    ]


def test_next_scheduled_dose_may_be_given() -> None:
    assert administration_refusals(history("gghs"), cycle=1, number=4) == ()


def test_a_held_dose_is_not_made_up() -> None:
    # Fourteen slots; one held: thirteen can be given, the cycle does not grow.
    doses = history("h" + "g" * 12 + "s")
    assert administration_refusals(doses, cycle=1, number=14) == ()
    assert doses_given(doses, cycle=1) == 12
    assert administration_refusals(doses, cycle=1, number=15) == ("cycle 1 has no dose 15",)


def test_refusals() -> None:
    doses = history("gss")
    assert administration_refusals(doses, cycle=1, number=1) == (
        "the dose is given, not scheduled",
    )
    assert administration_refusals(doses, cycle=1, number=3) == (
        "not the next due dose: cycle 1 dose 2 is still scheduled",
    )


@pytest.mark.parametrize(("given", "refused"), [(9, False), (10, True)])
def test_cycle_full_edge(given: int, refused: bool) -> None:
    doses = history("g" * given + "s")
    refusals = administration_refusals(doses, cycle=1, number=given + 1, max_doses_per_cycle=10)
    assert (refusals == ("cycle 1 is full: 10 doses given",)) is refused
    assert (refusals == ()) is not refused


def test_course_full() -> None:
    doses = history("g" * 14) + history("g" * 14 + "s", cycle=2)
    assert administration_refusals(doses, cycle=2, number=15, max_doses_per_cycle=14) == (
        "cycle 2 is full: 14 doses given",
        "the course is full: 28 doses given",
    )
    assert doses_given(doses) == 28


def test_course_almost_full_is_not_refused() -> None:
    doses = history("g" * 14) + history("g" * 13 + "s", cycle=2)
    assert administration_refusals(doses, cycle=2, number=14) == ()


def test_discontinuing_cancels_every_scheduled_dose() -> None:
    doses = history("ghss") + history("ss", cycle=2)
    cancelled = doses_to_cancel(doses)
    assert [(d.cycle, d.number) for d in cancelled] == [(1, 3), (1, 4), (2, 1), (2, 2)]
    assert all(d.status is DoseStatus.SCHEDULED for d in cancelled)


def test_the_earliest_pending_dose_is_named_whatever_the_order() -> None:
    doses = list(reversed(history("ssss")))
    assert administration_refusals(doses, cycle=1, number=4) == (
        "not the next due dose: cycle 1 dose 1 is still scheduled",
    )


# --- Course start window and dose timing (clinical-rules.md §4 (v2)) --------------------------
DOSING = DEFAULT_PROFILE.dosing
START_WINDOW = "must be no more than 24 hours in the past and no more than 30 days ahead"
CYCLE_2_WINDOW = "must be no more than 28 days after the first dose of cycle 1"
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("cycle_1_start", "ok"),
    [
        (START - timedelta(hours=24) - M, False),
        (START - timedelta(hours=24), True),
        (START - timedelta(hours=24) + M, True),
        (START, True),
        (START + timedelta(days=30) - M, True),
        (START + timedelta(days=30), True),
        (START + timedelta(days=30) + M, False),
        (START + timedelta(days=5 * 365), False),
        (datetime(1577, 3, 1, tzinfo=UTC), False),
        (datetime(1900, 1, 1, tzinfo=UTC), False),
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), False),
    ],
)
def test_course_start_window_edges(cycle_1_start: datetime, ok: bool) -> None:
    errors = course_start_errors(
        cycle_1_start=cycle_1_start, cycle_2_start=None, now=START, settings=DOSING
    )
    assert errors == ({} if ok else {"cycle_1_start": [START_WINDOW]})


@pytest.mark.parametrize(
    ("cycle_2_start", "ok"),
    [
        (START + timedelta(days=28), True),
        (START + timedelta(days=28) + M, False),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), False),
    ],
)
def test_cycle_2_starts_within_28_days_of_cycle_1(cycle_2_start: datetime, ok: bool) -> None:
    errors = course_start_errors(
        cycle_1_start=START, cycle_2_start=cycle_2_start, now=START, settings=DOSING
    )
    assert errors == ({} if ok else {"cycle_2_start": [CYCLE_2_WINDOW]})


def test_the_window_is_the_profiles() -> None:
    wider = replace(DOSING, course_start_max_past_hours=48, course_start_max_ahead_days=60)
    late = START - timedelta(hours=47)
    assert course_start_errors(
        cycle_1_start=late, cycle_2_start=None, now=START, settings=DOSING
    ) == {"cycle_1_start": [START_WINDOW]}
    assert (
        course_start_errors(cycle_1_start=late, cycle_2_start=None, now=START, settings=wider) == {}
    )


@pytest.mark.parametrize(
    ("field", "start"),
    [
        ("cycle_1_start", datetime(9999, 12, 31, 20, 0, tzinfo=UTC)),
        ("cycle_2_start", datetime(9999, 12, 31, 20, 0, tzinfo=UTC)),
    ],
)
def test_a_schedule_past_the_last_representable_time_is_an_input_error(
    field: str, start: datetime
) -> None:
    arguments: dict[str, Any] = {"cycle_1_start": START, field: start}
    with pytest.raises(ScheduleInputError) as caught:
        course_schedule(**arguments)
    assert caught.value.errors == {field: ["is too far in the future to schedule"]}


@pytest.mark.parametrize(
    ("after", "earliest"),
    [
        (timedelta(hours=6, minutes=59), START + timedelta(hours=7)),
        (timedelta(hours=7), None),
        (timedelta(seconds=3), START + timedelta(hours=7)),
        (timedelta(hours=8), None),
    ],
)
def test_no_dose_less_than_7_hours_after_the_last(
    after: timedelta, earliest: datetime | None
) -> None:
    assert (
        earliest_next_dose(previous_given_at=START, given_at=START + after, settings=DOSING)
        == earliest
    )


def test_the_first_dose_has_no_interval() -> None:
    assert earliest_next_dose(previous_given_at=None, given_at=START, settings=DOSING) is None
