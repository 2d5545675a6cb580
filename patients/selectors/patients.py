"""Reads shared by the pages and the API. Every queryset a user reaches starts here, with
the one visibility rule (``may_see_patients``); the monitor's own reads (``open_admissions``)
take no user."""

import uuid
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from patients.models import Admission, Patient


def _open_admission_prefetch() -> Prefetch[str, QuerySet[Admission], str]:
    return Prefetch(
        "admissions",
        queryset=Admission.objects.filter(discharged_at__isnull=True),
        to_attr="open_admissions",
    )


def may_see_patients(user: Any) -> bool:
    """The site's visibility rule: an active user whose role reads patient records (nurse,
    physician, pharmacist, API client; an administrator). There are no per-ward assignments
    in this version: such a user sees every patient of the site (docs/architecture.md)."""
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and user.has_perm("patients.view_patient")
    )


def patient_list(*, user: Any, search: str = "", ward: str = "") -> QuerySet[Patient]:
    """Patients the user may see, each with ``open_admissions`` prefetched (0 or 1 rows)."""
    if not may_see_patients(user):
        return Patient.objects.none()
    patients = Patient.objects.prefetch_related(_open_admission_prefetch())
    if search:
        terms = search.split()
        for term in terms:
            patients = patients.filter(
                Q(mrn__icontains=term)
                | Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
            )
    if ward:
        patients = patients.filter(admissions__ward=ward, admissions__discharged_at__isnull=True)
    return patients.order_by("family_name", "given_name", "mrn")


def open_admissions(*, ward: str = "") -> QuerySet[Admission]:
    """Open admissions, by ward and bed, with their patients: the census the monitor walks."""
    admissions = Admission.objects.filter(discharged_at__isnull=True).select_related("patient")
    if ward:
        admissions = admissions.filter(ward=ward)
    return admissions.order_by("ward", "bed")


def admitted_patients(*, user: Any, ward: str = "") -> QuerySet[Admission]:
    """The ward census as ``user`` may see it (open admissions, by ward and bed)."""
    if not (may_see_patients(user) and user.has_perm("patients.view_admission")):
        return Admission.objects.none()
    return open_admissions(ward=ward)


def patient_get(*, user: Any, patient_id: uuid.UUID | str, with_stay: bool = True) -> Patient:
    """One patient the user may see; ``with_stay=False`` leaves out ``open_admissions`` (one
    query fewer, for a caller that reads the stay itself)."""
    patients = patient_list(user=user)
    if not with_stay:
        patients = patients.prefetch_related(None)
    return patients.get(pk=patient_id)


def open_admission(patient: Patient) -> Admission | None:
    prefetched = getattr(patient, "open_admissions", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return patient.admissions.filter(discharged_at__isnull=True).first()


def wards(*, user: Any) -> list[str]:
    """The wards with an admitted patient, for the ward filters of the pages."""
    if not may_see_patients(user):
        return []
    return list(
        Admission.objects.filter(discharged_at__isnull=True)
        .order_by("ward")
        .values_list("ward", flat=True)
        .distinct()
    )
