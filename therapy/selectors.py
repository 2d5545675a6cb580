import uuid
from datetime import datetime

from django.db.models import Max, OuterRef, Q, Subquery

from patients.models import Admission
from therapy.models import PatientEvaluation


def record_as_of(*, patient_id: uuid.UUID) -> datetime | None:
    """The time of the newest change recorded for a patient that the monitor must look at."""
    return Admission.objects.filter(patient_id=patient_id).aggregate(latest=Max("updated_at"))[
        "latest"
    ]


def patients_needing_evaluation() -> list[uuid.UUID]:
    """Admitted patients whose newest recorded change is newer than their last evaluation."""
    last_evaluated = (
        PatientEvaluation.objects.filter(patient_id=OuterRef("patient_id"))
        .order_by("-record_as_of")
        .values("record_as_of")[:1]
    )
    stale = (
        Admission.objects.filter(discharged_at__isnull=True)
        .annotate(last_evaluated=Subquery(last_evaluated))
        .filter(Q(last_evaluated__isnull=True) | Q(last_evaluated__lt=Max("patient__admissions__updated_at")))
        .values_list("patient_id", flat=True)
    )
    return list(stale)
