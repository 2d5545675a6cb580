"""Reads of the medication administration record: courses and doses, with who decided each."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from patients.models import Patient
from patients.selectors.patients import may_see_patients
from therapy.models import Course, Dose


def _dose_rows() -> QuerySet[Dose]:
    return Dose.objects.select_related("given_by", "verified_by", "held_by")


def _courses() -> QuerySet[Course]:
    return Course.objects.select_related("ordered_by").prefetch_related(
        Prefetch("doses", queryset=_dose_rows())
    )


def courses_visible(*, user: Any) -> QuerySet[Course]:
    """The courses ``user`` may see (none without the role to read patients and courses),
    each with its doses."""
    if not (may_see_patients(user) and user.has_perm("therapy.view_course")):
        return Course.objects.none()
    return _courses()


def courses_of(*, patient: Patient) -> QuerySet[Course]:
    """One patient's courses, for a caller that has already found the patient visible."""
    return _courses().filter(patient=patient)


def doses_visible(*, user: Any) -> QuerySet[Dose]:
    """The doses ``user`` may see (none without the role to read patients and doses)."""
    if not (may_see_patients(user) and user.has_perm("therapy.view_dose")):
        return Dose.objects.none()
    return _dose_rows()


def doses_of(*, patient: Patient) -> QuerySet[Dose]:
    """One patient's doses in course, cycle and number order (the patient already visible)."""
    return (
        _dose_rows()
        .filter(course__patient=patient)
        .order_by("course__cycle_1_start", "cycle", "number")
    )
