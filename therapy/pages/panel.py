"""What the dose panel shows: the course, the cycle strip, the next dose and its pre-check."""

from datetime import datetime
from typing import Any

from patients.models import Patient
from therapy.mar.courses import dose_check
from therapy.mar.selectors import courses_of
from therapy.mar.timing import recording_moment
from therapy.models import CourseStatus
from therapy.pages.wording import precheck_provisional_words, precheck_summary, time_words
from therapy.policy import dose_overdue_after
from therapy.rules.inputs import DoseStatus
from therapy.rules.monitoring import DoseWindow


def dose_panel(*, patient: Patient, now: datetime) -> dict[str, Any]:
    ordered = courses_of(patient=patient).order_by("-cycle_1_start")
    course = ordered.filter(status=CourseStatus.ACTIVE).first() or ordered.first()
    if course is None:
        return {"course": None}
    doses = list(course.doses.all())  # prefetched, in cycle/number order
    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    cycle = next_dose.cycle if next_dose else max((d.cycle for d in doses), default=1)
    strip = [
        {
            "dose": d,
            "state": "overdue"
            if d.status == DoseStatus.SCHEDULED and d.scheduled_at < now and d == next_dose
            else ("due" if d == next_dose else d.status),
        }
        for d in doses
        if d.cycle == cycle
    ]
    result = (
        dose_check(dose=next_dose, at=recording_moment(patient=patient, now=now))
        if next_dose and course.status == CourseStatus.ACTIVE
        else None
    )
    check = result.to_dict() if result else None
    window = (
        DoseWindow.of(next_dose.scheduled_at, overdue_after=dose_overdue_after())
        if next_dose is not None
        else None
    )
    return {
        **decision_window(window, now=now),
        "summary": precheck_summary(
            check,
            next_dose=next_dose,
            opens_at=window.opens_at if window else None,
            due_at=window.due_at if window else None,
        ),
        "course": course,
        "cycle": cycle,
        "strip": strip,
        "next_dose": next_dose,
        "seconds_to_next": int((next_dose.scheduled_at - now).total_seconds())
        if next_dose
        else None,
        "given": sum(1 for d in doses if d.cycle == cycle and d.status == DoseStatus.GIVEN),
        "held": sum(1 for d in doses if d.cycle == cycle and d.status == DoseStatus.HELD),
        "check": check,
        "check_time": result.checked_at if result else None,
        "check_provisional": precheck_provisional_words(result),
    }


def decision_window(window: DoseWindow | None, *, now: datetime) -> dict[str, Any]:
    """Whether a give or hold may be recorded now: only inside the dose's window
    (``therapy.rules.monitoring``); before it, when it opens, in words."""
    is_open = window is not None and window.status(now) != "scheduled"
    return {
        "window": window,
        "window_open": is_open,
        "window_opens_words": time_words(window.opens_at) if window else "",
    }
