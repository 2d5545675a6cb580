import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients import validators


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Diagnosis(models.TextChoices):
    METASTATIC_MELANOMA = "metastatic_melanoma", "Metastatic melanoma"
    METASTATIC_RCC = "metastatic_rcc", "Metastatic renal cell carcinoma"
    OTHER = "other", "Other"


class Spo2Scale(models.IntegerChoices):
    SCALE_1 = 1, "Scale 1"
    SCALE_2 = 2, "Scale 2 (hypercapnic respiratory failure, physician-prescribed)"


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField(
        "MRN",
        max_length=32,
        unique=True,
        validators=[validators.validate_mrn],
        error_messages={"unique": "A patient with this MRN already exists."},
        help_text="Medical record number, unique in this site; stored in capitals.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField(validators=[validators.validate_birth_date])
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    diagnosis = models.CharField(max_length=30, choices=Diagnosis.choices)
    baseline_weight_kg = models.DecimalField(
        "baseline weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=validators.weight_validators(),
        help_text="Dosing weight, 20–300 kg.",
    )
    baseline_systolic_bp = models.PositiveSmallIntegerField(
        "baseline systolic BP (mmHg)",
        null=True,
        blank=True,
        validators=validators.baseline_sbp_validators(),
        help_text="Optional; otherwise taken from the last vitals before the first dose.",
    )
    baseline_creatinine_mg_dl = models.DecimalField(
        "baseline creatinine (mg/dL)",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=validators.creatinine_validators(),
        help_text="Optional; otherwise taken from the last labs before the first dose.",
    )
    spo2_scale = models.PositiveSmallIntegerField(
        "NEWS2 SpO2 scale",
        choices=Spo2Scale.choices,
        default=Spo2Scale.SCALE_1,
        help_text="Scale 2 only when a physician has prescribed it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        permissions = [
            ("prescribe_spo2_scale", "Can prescribe NEWS2 SpO2 scale 2"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_weight_kg__gte=20) & Q(baseline_weight_kg__lte=300),
                name="patient_baseline_weight_range",
                violation_error_message="Weight must be between 20 and 300 kg.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_systolic_bp__isnull=True)
                | (Q(baseline_systolic_bp__gte=50) & Q(baseline_systolic_bp__lte=250)),
                name="patient_baseline_sbp_range",
                violation_error_message="Baseline systolic BP must be between 50 and 250 mmHg.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_creatinine_mg_dl__isnull=True)
                | (Q(baseline_creatinine_mg_dl__gte=0.1) & Q(baseline_creatinine_mg_dl__lte=20)),
                name="patient_baseline_creatinine_range",
                violation_error_message="Baseline creatinine must be between 0.1 and 20 mg/dL.",
            ),
            models.CheckConstraint(
                condition=Q(spo2_scale__in=[1, 2]),
                name="patient_spo2_scale_1_or_2",
                violation_error_message="SpO2 scale must be 1 or 2.",
            ),
            models.CheckConstraint(
                condition=Q(mrn=Upper("mrn")),
                name="patient_mrn_upper_case",
                violation_error_message="MRN must be stored in capitals.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def age_years(self) -> int:
        today = timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - int(before_birthday)


class Admission(models.Model):
    """An inpatient stay. Observations and doses are recorded against the open admission."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="admissions")
    ward = models.CharField(max_length=50)
    bed = models.CharField(max_length=20)
    admitted_at = models.DateTimeField(validators=[validators.validate_not_future])
    discharged_at = models.DateTimeField(
        null=True, blank=True, validators=[validators.validate_not_future]
    )
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(discharged_at__isnull=True),
                name="one_open_admission_per_patient",
                violation_error_message="This patient already has an open admission.",
            ),
            models.UniqueConstraint(
                fields=["ward", "bed"],
                condition=Q(discharged_at__isnull=True),
                name="one_open_admission_per_bed",
                violation_error_message="That bed is occupied by another admitted patient.",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gt=F("admitted_at")),
                name="admission_discharge_after_admission",
                violation_error_message="Discharge must be after admission.",
            ),
        ]
        indexes = [models.Index(fields=["ward", "discharged_at"])]

    def __str__(self) -> str:
        return f"{self.ward} bed {self.bed}"

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None
