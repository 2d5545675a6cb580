from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from patients.models import Admission, Patient
from patients.selectors.patients import open_admission
from patients.validators import (
    BASELINE_SBP_MESSAGE,
    CREATININE_MESSAGE,
    WEIGHT_MESSAGE,
    normalize_mrn,
    validate_mrn,
)


def range_messages(message: str) -> dict[str, Any]:
    return {"error_messages": {"min_value": message, "max_value": message}}


class MrnField(serializers.CharField):
    """An MRN, compared and stored in capitals so 'ab-1' and 'AB-1' are one patient."""

    def to_internal_value(self, data: Any) -> str:
        return normalize_mrn(super().to_internal_value(data))


class PatientSerializer(serializers.ModelSerializer[Patient]):
    mrn = MrnField(
        max_length=32,
        validators=[
            validate_mrn,
            UniqueValidator(
                queryset=Patient.objects.all(), message="A patient with this MRN already exists."
            ),
        ],
    )
    spo2_scale = serializers.ChoiceField(choices=[1, 2], default=1)
    ward = serializers.SerializerMethodField()
    bed = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "given_name",
            "family_name",
            "birth_date",
            "sex",
            "diagnosis",
            "baseline_weight_kg",
            "baseline_systolic_bp",
            "baseline_creatinine_mg_dl",
            "spo2_scale",
            "ward",
            "bed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "sex": {"default": "unknown"},
            # ModelSerializer turns the model's min/max validators into DRF limits; keep the
            # model's wording so the API, the forms and the service say the same thing.
            "baseline_weight_kg": range_messages(WEIGHT_MESSAGE),
            "baseline_systolic_bp": range_messages(BASELINE_SBP_MESSAGE),
            "baseline_creatinine_mg_dl": range_messages(CREATININE_MESSAGE),
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_ward(self, patient: Patient) -> str | None:
        admission = open_admission(patient)
        return admission.ward if admission else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_bed(self, patient: Patient) -> str | None:
        admission = open_admission(patient)
        return admission.bed if admission else None


class AdmissionSerializer(serializers.ModelSerializer[Admission]):
    patient = serializers.UUIDField(source="patient_id", read_only=True)

    class Meta:
        model = Admission
        fields = ["id", "patient", "ward", "bed", "admitted_at", "discharged_at", "created_at"]
        read_only_fields = ["id", "patient", "discharged_at", "created_at"]


class AdmissionMoveSerializer(serializers.Serializer[Any]):
    ward = serializers.CharField(max_length=50)
    bed = serializers.CharField(max_length=20)


class DischargeSerializer(serializers.Serializer[Any]):
    discharged_at = serializers.DateTimeField()
