"""Clinician-recorded findings that the hold criteria read (clinical-rules.md §4)."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from patients.models.observation_base import Observation
from patients.validators import validate_not_future


class ClinicalEventCode(models.TextChoices):
    # Hold (label [S1]).
    MENTAL_STATUS_CHANGE = "mental_status_change", "Mental status change"
    ATRIAL_FIBRILLATION = "atrial_fibrillation", "Atrial fibrillation"
    SVT = "svt", "Supraventricular tachycardia"
    BRADYCARDIA = "bradycardia", "Bradycardia"
    # Discontinue (consensus [S6]).
    INFECTION_SUSPECTED = "infection_suspected", "Infection suspected or documented"
    # Permanent stop (label [S1], [S2]).
    SUSTAINED_VT = "sustained_vt", "Sustained ventricular tachycardia (≥ 5 beats)"
    UNCONTROLLED_ARRHYTHMIA = "uncontrolled_arrhythmia", "Arrhythmia not controlled"
    ISCHEMIA = "ischemia", "ECG ischaemia, angina or myocardial infarction"
    CARDIAC_TAMPONADE = "cardiac_tamponade", "Cardiac tamponade"
    INTUBATION = "intubation", "Intubation"
    DIALYSIS = "dialysis", "Renal failure needing dialysis"
    COMA = "coma", "Coma or toxic psychosis"
    SEIZURES = "seizures", "Repetitive or difficult-to-control seizures"
    BOWEL_PERFORATION = "bowel_perforation", "Bowel ischaemia or perforation"
    GI_BLEED_SURGERY = "gi_bleed_surgery", "GI bleeding needing surgery"


class ClinicalEvent(Observation):
    CLINICAL_TIME = "observed_at"
    KIND = "events"

    code = models.CharField(max_length=30, choices=ClinicalEventCode.choices)
    observed_at = models.DateTimeField(validators=[validate_not_future])
    note = models.TextField(blank=True, default="", max_length=2000)
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        ordering = ["-observed_at", "-created_at"]
        indexes = [models.Index(fields=["patient", "-observed_at"], name="events_patient_time")]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(code__in=ClinicalEventCode.values), name="events_code_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} at {self.observed_at:%Y-%m-%d %H:%M}"
