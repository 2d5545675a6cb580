"""A patient's IL-2 therapy as the pages and the API show it: the active course (else the
latest), its current cycle's counts and the next dose, with the dose's window — one
definition, computed from courses whose doses are already loaded (no query of its own)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from therapy.models import Course, CourseStatus, Dose
from therapy.policy import dose_overdue_after
from therapy.rules.inputs import DoseStatus
from therapy.rules.monitoring import DoseWindow


@dataclass(frozen=True)
class TherapyState:
    course: Course | None
    cycle: int | None = None
    doses_given: int = 0
    doses_held: int = 0
    max_doses: int | None = None
    next_dose: Dose | None = None

    @property
    def status(self) -> str:
        return "none" if self.course is None else self.course.status

    @property
    def active(self) -> bool:
        return self.course is not None and self.course.status == CourseStatus.ACTIVE

    @property
    def window(self) -> DoseWindow | None:
        """The next dose's window, while the course is active."""
        if not (self.active and self.next_dose):
            return None
        return DoseWindow.of(self.next_dose.scheduled_at, overdue_after=dose_overdue_after())

    def to_dict(self) -> dict[str, Any]:
        window = self.window
        return {
            "course_id": self.course.pk if self.course else None,
            "cycle": self.cycle,
            "doses_given": self.doses_given,
            "doses_held": self.doses_held,
            "max_doses": self.max_doses,
            "next_dose_id": self.next_dose.pk if self.next_dose else None,
            "next_dose_at": self.next_dose.scheduled_at if self.next_dose else None,
            "next_dose_window_opens_at": window.opens_at if window else None,
            "next_dose_overdue_at": window.overdue_at if window else None,
            "status": self.status,
        }


def therapy_state(courses: Sequence[Course]) -> TherapyState:
    """From one patient's courses with their doses loaded in cycle and number order: the
    active course, else the latest (by first dose); its current cycle (the next dose's, else
    the last); the given and held counts of that cycle; the next scheduled dose."""
    active = [c for c in courses if c.status == CourseStatus.ACTIVE]
    ordered = sorted(active or courses, key=lambda c: c.cycle_1_start, reverse=True)
    if not ordered:
        return TherapyState(course=None)
    course = ordered[0]
    doses = list(course.doses.all())
    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    cycle = next_dose.cycle if next_dose else max((d.cycle for d in doses), default=None)
    in_cycle = [d for d in doses if d.cycle == cycle]
    return TherapyState(
        course=course,
        cycle=cycle,
        doses_given=sum(1 for d in in_cycle if d.status == DoseStatus.GIVEN),
        doses_held=sum(1 for d in in_cycle if d.status == DoseStatus.HELD),
        max_doses=course.max_doses_per_cycle,
        next_dose=next_dose,
    )
