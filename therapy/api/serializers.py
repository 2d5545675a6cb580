from typing import Any

from rest_framework import serializers

from patients.validators import WEIGHT_MAX_KG, WEIGHT_MESSAGE, WEIGHT_MIN_KG
from therapy.models import Course, Dose
from therapy.rules.dosing import dose_mg


class DoseSerializer(serializers.ModelSerializer[Dose]):
    given_by = serializers.CharField(
        source="given_by.username", read_only=True, allow_null=True, default=None
    )
    verified_by = serializers.CharField(
        source="verified_by.username", read_only=True, allow_null=True, default=None
    )
    held_by = serializers.CharField(
        source="held_by.username", read_only=True, allow_null=True, default=None
    )
    course = serializers.UUIDField(source="course_id", read_only=True)
    hold_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Dose
        fields = [
            "id",
            "course",
            "cycle",
            "number",
            "scheduled_at",
            "status",
            "dose_iu",
            "given_at",
            "given_by",
            "verified_by",
            "held_at",
            "held_by",
            "hold_reasons",
            "note",
            "early_reason",
            "override_reason",
            "entered_in_error_reason",
            "precheck",
        ]
        read_only_fields = fields


class CourseSerializer(serializers.ModelSerializer[Course]):
    patient = serializers.UUIDField(source="patient_id", read_only=True)
    ordered_by = serializers.CharField(source="ordered_by.username", read_only=True)
    mg = serializers.SerializerMethodField()
    doses = DoseSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "patient",
            "status",
            "dose_iu_per_kg",
            "dosing_weight_kg",
            "interval_hours",
            "max_doses_per_cycle",
            "cycle_1_start",
            "cycle_2_start",
            "dose_iu",
            "volume_ml",
            "vials",
            "mg",
            "rule_version",
            "ordered_by",
            "ordered_at",
            "discontinued_at",
            "discontinue_reason",
            "doses",
        ]
        read_only_fields = fields

    def get_mg(self, course: Course) -> str:
        """Derived for display only, never the dose: from the stored ``dose_iu`` (§5), so a
        course ordered under another profile is shown, never recomputed [S1], [S4]."""
        return str(dose_mg(course.dose_iu))


class CourseOrderSerializer(serializers.Serializer[Any]):
    dose_iu_per_kg = serializers.IntegerField(default=600_000, min_value=1)
    dosing_weight_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        min_value=WEIGHT_MIN_KG,
        max_value=WEIGHT_MAX_KG,
        error_messages={"min_value": WEIGHT_MESSAGE, "max_value": WEIGHT_MESSAGE},
    )
    interval_hours = serializers.IntegerField(default=8)
    max_doses_per_cycle = serializers.IntegerField(default=14)
    cycle_1_start = serializers.DateTimeField()
    cycle_2_start = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VerifierSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class AdministerSerializer(serializers.Serializer[Any]):
    given_at = serializers.DateTimeField()
    verifier = VerifierSerializer()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class HoldSerializer(serializers.Serializer[Any]):
    reasons = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    early_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Physicians only: why the dose is held before its window (more than 2 h "
        "before its time) — a documented early decision. Refused when the window is open.",
    )


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()


class CriterionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    action = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    threshold = serializers.CharField()
    # A field named like DRF's Field.source; the serializer's metaclass takes it off the class.
    source = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    note = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)


class PrecheckSerializer(serializers.Serializer[Any]):
    recommendation = serializers.ChoiceField(
        choices=["give", "hold", "discontinue", "insufficient_data"]
    )
    provisional = serializers.BooleanField(
        help_text="True while the check was made more than 2 h before the dose: the picture "
        "may still change; it becomes final at final_at (clinical-rules.md §4 v2)."
    )
    final_at = serializers.DateTimeField(help_text="The dose time minus 2 h.")
    criteria = CriterionSerializer(many=True)
    not_assessed = CriterionSerializer(many=True)
    not_met = CriterionSerializer(many=True)
    data_as_of = serializers.DateTimeField(allow_null=True)
    vitals_stale = serializers.BooleanField()
    vitals_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField()
    scheduled_at = serializers.DateTimeField()
    cycle = serializers.IntegerField()
    dose_number = serializers.IntegerField()
    profile_name = serializers.CharField()
    profile_version = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        return instance  # already the rules engine's JSON (PrecheckResult.to_dict())
