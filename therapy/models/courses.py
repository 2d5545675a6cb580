"""The IL-2 medication administration record: a course, its scheduled q8h doses, and what
became of each (given with a second checker, held with reasons, cancelled, entered in error)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients.models import Admission, Patient
from therapy.rules import inputs as rules


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


# The values are the rules' (therapy.rules.inputs.DoseStatus); the labels are these.
DoseStatus = text_choices(
    "DoseStatus",
    rules.DoseStatus,
    {
        rules.DoseStatus.SCHEDULED: "Scheduled",
        rules.DoseStatus.GIVEN: "Given",
        rules.DoseStatus.HELD: "Held",
        rules.DoseStatus.CANCELLED: "Cancelled",
        rules.DoseStatus.ENTERED_IN_ERROR: "Entered in error",
    },
    module=__name__,
)


class Course(models.Model):
    """A physician's order for one course of high-dose IL-2 (up to two cycles)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    dose_iu_per_kg = models.PositiveIntegerField(default=600_000)
    dosing_weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    interval_hours = models.PositiveSmallIntegerField(default=8)
    max_doses_per_cycle = models.PositiveSmallIntegerField(default=14)
    cycle_1_start = models.DateTimeField()
    cycle_2_start = models.DateTimeField(null=True, blank=True)
    # The dose arithmetic, computed once by the rules engine and shown to the nurse as stored.
    dose_iu = models.BigIntegerField()
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    vials = models.PositiveSmallIntegerField()
    rule_version = models.CharField(max_length=120)
    status = models.CharField(
        max_length=15, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(auto_now_add=True)
    discontinued_at = models.DateTimeField(null=True, blank=True)
    discontinued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    discontinue_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-cycle_1_start"]
        permissions = [("discontinue_course", "Can discontinue an IL-2 course")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="active"),
                name="one_active_course_per_patient",
                violation_error_message="This patient already has an active IL-2 course.",
            ),
            models.CheckConstraint(
                condition=Q(dosing_weight_kg__gte=20) & Q(dosing_weight_kg__lte=300),
                name="course_dosing_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(dose_iu_per_kg__gt=0) & Q(dose_iu__gt=0) & Q(vials__gt=0),
                name="course_dose_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_doses_per_cycle__gte=1) & Q(max_doses_per_cycle__lte=14),
                name="course_max_doses_per_cycle_1_to_14",
            ),
            models.CheckConstraint(
                condition=Q(cycle_2_start__isnull=True) | Q(cycle_2_start__gt=F("cycle_1_start")),
                name="course_cycle_2_after_cycle_1",
            ),
            models.CheckConstraint(
                condition=~Q(status="discontinued")
                | (Q(discontinued_at__isnull=False) & Q(discontinued_by__isnull=False)),
                name="course_discontinued_has_when_and_who",
            ),
        ]

    def __str__(self) -> str:
        return f"IL-2 course of {self.patient_id} from {self.cycle_1_start:%Y-%m-%d}"


class Dose(models.Model):
    """One scheduled q8h dose. The decision on it (given or held) is recorded on the row, with
    the pre-dose check it was made against, and is never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="doses")
    cycle = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    scheduled_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=DoseStatus.choices, default=rules.DoseStatus.SCHEDULED.value
    )
    dose_iu = models.BigIntegerField()
    # The decision: given (with the second checker) or held (with the criteria codes).
    admission = models.ForeignKey(
        Admission, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    given_at = models.DateTimeField(null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    hold_reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    # A physician's documented early decision: a hold recorded before the dose's window (more
    # than 2 h before its time), with why (clinical-rules.md §4 (v2); issue 14). Who and when
    # are held_by and held_at.
    early_reason = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    precheck = models.JSONField(
        null=True, blank=True, help_text="The pre-dose check the decision was made against."
    )
    entered_in_error_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "number"]
        permissions = [
            ("administer_dose", "Can give or hold an IL-2 dose"),
            ("override_precheck", "Can give a dose against the pre-dose check, with a reason"),
            ("hold_dose_early", "Can hold a dose before its window, with a documented reason"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["course", "cycle", "number"], name="one_dose_per_slot"),
            models.CheckConstraint(condition=Q(cycle__in=[1, 2]), name="dose_cycle_1_or_2"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=14), name="dose_number_1_to_14"
            ),
            models.CheckConstraint(
                condition=~Q(status="given")
                | (
                    Q(given_at__isnull=False)
                    & Q(given_by__isnull=False)
                    & Q(verified_by__isnull=False)
                    & ~Q(given_by=F("verified_by"))
                    & Q(precheck__isnull=False)
                ),
                name="given_dose_has_time_giver_other_verifier_and_precheck",
                violation_error_message=(
                    "A given dose needs its time, giver, a different verifier and its pre-check."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="held")
                | (Q(held_at__isnull=False) & Q(held_by__isnull=False) & ~Q(hold_reasons=[])),
                name="held_dose_has_time_who_and_reasons",
            ),
            models.CheckConstraint(
                condition=Q(override_reason="") | Q(overridden_by__isnull=False),
                name="override_has_a_physician",
            ),
            models.CheckConstraint(
                condition=Q(early_reason="") | Q(held_by__isnull=False),
                name="early_decision_is_a_hold_with_who",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return f"cycle {self.cycle} dose {self.number}"
