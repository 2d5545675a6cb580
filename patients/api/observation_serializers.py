"""Serializers of the bedside records (api-contract.md: vital signs, fluids, labs, supportive
medications, clinical events). They parse and check; the services write.

Every failing field is named in one response: field errors and the rules between fields are
collected together (DRF on its own runs the cross-field rules only once every field is valid).
The range messages come from ``patients.limits``, the same as the model's and the form's.
"""

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.settings import api_settings

from patients import limits
from patients.api.serializers import range_messages
from patients.models import (
    ClinicalEvent,
    ClinicalEventCode,
    Consciousness,
    DoseUnit,
    FluidDirection,
    FluidEntry,
    FluidRoute,
    LabResult,
    LabTestCode,
    MedicationCategory,
    News2Band,
    OxygenDevice,
    SupportiveMedication,
    VasopressorAgent,
    VitalSigns,
)
from patients.validators import validate_not_future

CrossFieldRule = Callable[..., dict[str, list[str]]]


def limited_integer(limit: limits.Limit) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=int(limit.low),
        max_value=int(limit.high),
        **range_messages(limit.template),
    )


def limited_decimal(limit: limits.Limit) -> serializers.DecimalField:
    # Room for out-of-range digits, so 100.4 (°F typed as °C) gets the range message.
    return serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        required=False,
        allow_null=True,
        min_value=Decimal(limit.low),
        max_value=Decimal(limit.high),
        **range_messages(limit.template),
    )


def clinical_time() -> serializers.DateTimeField:
    return serializers.DateTimeField(validators=[validate_not_future])


def flat(detail: Any) -> Any:
    """A nested serializer's own error ("Expected a list...") as the field's message list."""
    if isinstance(detail, dict) and set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
        return detail[api_settings.NON_FIELD_ERRORS_KEY]
    return detail


class AllErrorsSerializer(serializers.ModelSerializer[Any]):
    """Parses every field, then runs ``cross_field_rule`` on those that parsed, and reports all
    problems at once. Records are written by services, never by ``save()``."""

    cross_field_rule: ClassVar[CrossFieldRule | None] = None

    def get_validators(self) -> list[Any]:
        return []  # client_id uniqueness is idempotency, handled by the service

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            refused: dict[str, Any] = super().to_internal_value(data)  # DRF's "Invalid data"
            return refused
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:
            assert field.field_name is not None  # a serializer's fields are bound, so named
            try:
                validated = field.run_validation(field.get_value(data))
            except ValidationError as error:
                errors[field.field_name] = flat(error.detail)
            except DjangoValidationError as error:
                errors[field.field_name] = get_error_detail(error)
            except SkipField:
                pass
            else:
                self.set_value(values, field.source_attrs, validated)
        rule = type(self).cross_field_rule
        if rule is not None:
            for name, messages in rule(values, failed=set(errors)).items():
                errors[name] = [*errors.get(name, []), *messages]
        if errors:
            raise ValidationError(errors)
        return values


class ClientIdField(serializers.UUIDField):
    """A UUID as the contract writes it: a string (DRF alone would also take an integer)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class ObservationSerializer(AllErrorsSerializer):
    patient = serializers.UUIDField(source="patient_id", read_only=True)
    admission = serializers.UUIDField(source="admission_id", read_only=True)
    client_id = ClientIdField(required=False, allow_null=True)
    entered_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    entered_in_error_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )

    COMMON_FIELDS: ClassVar[list[str]] = [
        "id",
        "patient",
        "admission",
        "client_id",
        "entered_by",
        "created_at",
        "updated_at",
        "entered_in_error",
        "entered_in_error_reason",
        "entered_in_error_at",
        "entered_in_error_by",
    ]
    COMMON_READ_ONLY: ClassVar[list[str]] = [
        "id",
        "created_at",
        "updated_at",
        "entered_in_error",
        "entered_in_error_reason",
        "entered_in_error_at",
    ]


# --- Vital signs --------------------------------------------------------------------------
class VasopressorSerializer(serializers.Serializer[Any]):
    agent = serializers.ChoiceField(choices=VasopressorAgent.choices)
    dose = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=Decimal("0"))
    dose_unit = serializers.ChoiceField(choices=DoseUnit.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        error = limits.vasopressor_dose_error(attrs["dose"], attrs["dose_unit"])
        if error:
            raise ValidationError({"dose": [error]})
        return attrs


class News2Serializer(serializers.Serializer[Any]):
    """The contract's ``news2`` object (plus the SpO2 scale it was scored on)."""

    total = serializers.IntegerField(min_value=0, max_value=20)
    band = serializers.ChoiceField(choices=News2Band.choices)
    red_flag = serializers.BooleanField()
    subscores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=3))
    algorithm_version = serializers.CharField()
    spo2_scale = serializers.IntegerField()


class VitalSignsSerializer(ObservationSerializer):
    cross_field_rule = staticmethod(limits.vitals_cross_field_errors)

    taken_at = clinical_time()
    respiratory_rate = limited_integer(limits.RESPIRATORY_RATE)
    spo2 = limited_integer(limits.SPO2)
    oxygen_device = serializers.ChoiceField(
        choices=OxygenDevice.choices, required=False, allow_null=True
    )
    oxygen_flow_l_min = limited_decimal(limits.OXYGEN_FLOW)
    systolic_bp = limited_integer(limits.SYSTOLIC_BP)
    diastolic_bp = limited_integer(limits.DIASTOLIC_BP)
    heart_rate = limited_integer(limits.HEART_RATE)
    consciousness = serializers.ChoiceField(
        choices=Consciousness.choices, required=False, allow_null=True
    )
    temperature_c = limited_decimal(limits.TEMPERATURE)
    weight_kg = limited_decimal(limits.WEIGHT)
    edema_grade = limited_integer(limits.EDEMA_GRADE)
    oxygen_for_comfort = serializers.BooleanField(
        required=False,
        default=False,
        help_text="(v2) The oxygen is for comfort only, not for hypoxia: it still scores in "
        "NEWS2, not in the CRS grade. Needs an oxygen device other than room_air.",
    )
    # A ListSerializer of its own, so that the list may be null but not a row in it.
    vasopressors = serializers.ListSerializer[Any](
        child=VasopressorSerializer(),
        required=False,
        allow_null=True,
        max_length=limits.MAX_VASOPRESSORS,
        error_messages={"max_length": limits.TOO_MANY_VASOPRESSORS},
        help_text="Infusions running at taken_at, one row per agent (at most 6); [] means none "
        "running; absent or null: not recorded with this set.",
    )
    news2 = serializers.SerializerMethodField()
    news2_missing = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = VitalSigns
        fields = [
            *ObservationSerializer.COMMON_FIELDS,
            "taken_at",
            *limits.MEASUREMENT_FIELDS,
            "oxygen_for_comfort",
            "vasopressors",
            "news2",
            "news2_missing",
            "source",
            "device_id",
        ]
        # A device's set comes only through the HL7 feed (docs/hl7.md).
        read_only_fields = [*ObservationSerializer.COMMON_READ_ONLY, "source", "device_id"]

    @extend_schema_field(News2Serializer(allow_null=True))
    def get_news2(self, vitals: VitalSigns) -> dict[str, Any] | None:
        return vitals.news2()

    def to_representation(self, instance: VitalSigns) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.vasopressors_recorded:
            data["vasopressors"] = None
        return data


# --- Fluids -------------------------------------------------------------------------------
class FluidEntrySerializer(ObservationSerializer):
    cross_field_rule = staticmethod(limits.fluid_cross_field_errors)

    direction = serializers.ChoiceField(choices=FluidDirection.choices)
    route = serializers.ChoiceField(choices=FluidRoute.choices)
    volume_ml = serializers.IntegerField(
        min_value=int(limits.FLUID_VOLUME.low),
        max_value=int(limits.FLUID_VOLUME.high),
        **range_messages(limits.FLUID_VOLUME.template),
    )
    period_start = clinical_time()
    period_end = clinical_time()

    class Meta:
        model = FluidEntry
        fields = [
            *ObservationSerializer.COMMON_FIELDS,
            "direction",
            "route",
            "volume_ml",
            "period_start",
            "period_end",
        ]
        read_only_fields = ObservationSerializer.COMMON_READ_ONLY


class OverlappingOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    direction = serializers.ChoiceField(choices=FluidDirection.choices)
    route = serializers.ChoiceField(choices=FluidRoute.choices)
    volume_ml = serializers.IntegerField()
    period_start = serializers.DateTimeField(help_text="In the site's time zone.")
    period_end = serializers.DateTimeField(help_text="In the site's time zone.")


class FluidConflictSerializer(serializers.Serializer[Any]):
    """409 of a fluid POST: no open admission, a client_id of another patient's record, or an
    output period overlapping a recorded output of the same route (``overlapping``)."""

    detail = serializers.CharField()
    client_id = serializers.ListField(child=serializers.CharField(), required=False)
    overlapping = OverlappingOutputSerializer(required=False)


# --- Labs ---------------------------------------------------------------------------------
@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "enum": list(limits.FOBT_RESULTS)},
        ],
        "description": "A number in the test's unit; 'positive' or 'negative' for fobt.",
    }
)
class LabValueField(serializers.Field[Decimal | str, Any, Any, Any]):
    default_error_messages = {
        "invalid": "Enter a number, or 'positive' / 'negative' for fobt.",
        "decimal_places": "Enter at most 2 decimal places.",
    }

    def to_internal_value(self, data: Any) -> Decimal | str:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str) and data.strip().lower() in limits.FOBT_RESULTS:
            return data.strip().lower()
        try:
            number = Decimal(str(data).strip())
        except (InvalidOperation, ValueError):
            self.fail("invalid")
        if not number.is_finite():
            self.fail("invalid")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -limits.LAB_VALUE_DECIMAL_PLACES:
            self.fail("decimal_places")
        return number

    def to_representation(self, value: Any) -> Any:
        return value


def lab_rule(values: Mapping[str, Any], *, failed: Collection[str] = ()) -> dict[str, list[str]]:
    unit = values.get("unit")
    return limits.lab_cross_field_errors(
        {
            "test": values.get("test"),
            "value": values.get("result"),
            "unit": limits.normalize_unit(unit) if unit else unit,
        },
        failed=failed,
    )


class LabResultSerializer(ObservationSerializer):
    cross_field_rule = staticmethod(lab_rule)

    test = serializers.ChoiceField(choices=LabTestCode.choices)
    value = LabValueField(source="result")
    unit = serializers.CharField(allow_blank=True, allow_null=True, max_length=12, default="")
    collected_at = clinical_time()

    class Meta:
        model = LabResult
        fields = [
            *ObservationSerializer.COMMON_FIELDS,
            "test",
            "value",
            "unit",
            "collected_at",
        ]
        read_only_fields = ObservationSerializer.COMMON_READ_ONLY

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        values["value"] = values.pop("result")
        return values


# --- Supportive medications, clinical events ----------------------------------------------
class SupportiveMedicationSerializer(ObservationSerializer):
    drug = serializers.CharField(max_length=100)
    category = serializers.ChoiceField(choices=MedicationCategory.choices)
    administered_at = clinical_time()

    class Meta:
        model = SupportiveMedication
        fields = [*ObservationSerializer.COMMON_FIELDS, "drug", "category", "administered_at"]
        read_only_fields = ObservationSerializer.COMMON_READ_ONLY


class ClinicalEventSerializer(ObservationSerializer):
    code = serializers.ChoiceField(choices=ClinicalEventCode.choices)
    observed_at = clinical_time()
    note = serializers.CharField(allow_blank=True, max_length=2000, default="")
    ended_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="(v2) When the finding was over; null while it lasts. Set by POST "
        "/api/v1/events/{id}/end/.",
    )
    ended_by = serializers.SlugRelatedField[Any](
        slug_field="username", read_only=True, allow_null=True
    )
    ended_recorded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    end_note = serializers.CharField(read_only=True)

    class Meta:
        model = ClinicalEvent
        fields = [
            *ObservationSerializer.COMMON_FIELDS,
            "code",
            "observed_at",
            "note",
            "ended_at",
            "ended_by",
            "ended_recorded_at",
            "end_note",
        ]
        read_only_fields = ObservationSerializer.COMMON_READ_ONLY


class EventEndSerializer(serializers.Serializer[Any]):
    """(v2) ``POST /api/v1/events/{id}/end/``: the finding is over."""

    ended_at = clinical_time()
    note = serializers.CharField(allow_blank=True, max_length=2000, default="")


# --- Actions and filters ------------------------------------------------------------------
class EnteredInErrorSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000)


class ObservationFilterSerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    include_entered_in_error = serializers.BooleanField(required=False, default=False)
