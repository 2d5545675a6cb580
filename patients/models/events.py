"""Clinician-recorded findings that the hold criteria read (clinical-rules.md §4)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients import vocabulary
from patients.models.observation_base import Observation
from patients.validators import validate_not_future

ClinicalEventCode = text_choices(
    "ClinicalEventCode",
    vocabulary.EventCode,
    {
        # Hold (label [S1]).
        vocabulary.EventCode.MENTAL_STATUS_CHANGE: "Mental status change",
        vocabulary.EventCode.ATRIAL_FIBRILLATION: "Atrial fibrillation",
        vocabulary.EventCode.SVT: "Supraventricular tachycardia",
        vocabulary.EventCode.BRADYCARDIA: "Bradycardia",
        # Discontinue (consensus [S6]).
        vocabulary.EventCode.INFECTION_SUSPECTED: "Infection suspected or documented",
        # Permanent stop (label [S1], [S2]).
        vocabulary.EventCode.SUSTAINED_VT: "Sustained ventricular tachycardia (≥ 5 beats)",
        vocabulary.EventCode.UNCONTROLLED_ARRHYTHMIA: "Arrhythmia not controlled",
        vocabulary.EventCode.ISCHEMIA: "ECG ischaemia, angina or myocardial infarction",
        vocabulary.EventCode.CARDIAC_TAMPONADE: "Cardiac tamponade",
        vocabulary.EventCode.INTUBATION: "Intubation",
        vocabulary.EventCode.DIALYSIS: "Renal failure needing dialysis",
        vocabulary.EventCode.COMA: "Coma or toxic psychosis",
        vocabulary.EventCode.SEIZURES: "Repetitive or difficult-to-control seizures",
        vocabulary.EventCode.BOWEL_PERFORATION: "Bowel ischaemia or perforation",
        vocabulary.EventCode.GI_BLEED_SURGERY: "GI bleeding needing surgery",
    },
    module=__name__,
)


class ClinicalEvent(Observation):
    CLINICAL_TIME = "observed_at"
    KIND = "events"

    code = models.CharField(max_length=30, choices=ClinicalEventCode.choices)
    observed_at = models.DateTimeField(validators=[validate_not_future])
    note = models.TextField(blank=True, default="", max_length=2000)
    # (v2) The finding is over (e.g. sinus rhythm restored): it no longer holds doses after
    # ``ended_at`` [S1]. Recorded once, with who and when (``event_end``); never cleared.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended_recorded_at = models.DateTimeField(null=True, blank=True)
    end_note = models.TextField(blank=True, default="", max_length=2000)
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        ordering = ["-observed_at", "-created_at"]
        indexes = [models.Index(fields=["patient", "-observed_at"], name="events_patient_time")]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(code__in=ClinicalEventCode.values), name="events_code_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | (Q(ended_at__gt=F("observed_at")) & Q(ended_recorded_at__isnull=False)),
                name="events_end_after_observed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} at {self.observed_at:%Y-%m-%d %H:%M}"

    @property
    def ended(self) -> bool:
        return self.ended_at is not None
