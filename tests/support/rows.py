"""Row counts for tests that check a refusal wrote nothing: every clinical table and its history
table, and the states a write would change, counted before and after."""

from patients.models import (
    Admission,
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Patient,
    SupportiveMedication,
    VasopressorInfusion,
    VitalSigns,
)
from therapy.models import Alert, AlertStatus, Course, Dose, DoseStatus

RECORD_MODELS = [
    VitalSigns,
    VasopressorInfusion,
    FluidEntry,
    LabResult,
    SupportiveMedication,
    ClinicalEvent,
    Patient,
    Admission,
    Course,
    Dose,
    Alert,
]


def snapshot() -> dict[str, int]:
    """Rows of every clinical table and its history, and the states a write would change."""
    counts: dict[str, int] = {}
    for model in RECORD_MODELS:
        counts[model.__name__] = model.objects.count()
        history = getattr(model, "history", None)
        if history is not None:
            counts[f"{model.__name__} history"] = history.model.objects.count()
    counts["open admissions"] = Admission.objects.filter(discharged_at__isnull=True).count()
    counts["scheduled doses"] = Dose.objects.filter(status=DoseStatus.SCHEDULED).count()
    counts["active alerts"] = Alert.objects.filter(status=AlertStatus.ACTIVE).count()
    counts["records in error"] = sum(
        model.objects.filter(entered_in_error=True).count()
        for model in (VitalSigns, FluidEntry, LabResult, SupportiveMedication, ClinicalEvent)
    )
    return counts
