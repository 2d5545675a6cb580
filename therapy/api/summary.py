"""The patient summary (api-contract.md, "Patient summary"): one patient, and a ward's list for
clients that poll. Both serialize the read model the pages show (``therapy.state``), built in
a fixed number of queries whatever the history, or the number of patients on a page."""

import copy
from datetime import datetime
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.api.observation_serializers import News2Serializer, VitalSignsSerializer
from patients.api.serializers import AdmissionSerializer, PatientSerializer
from patients.models import Admission, Patient
from patients.selectors import patients as patient_selectors
from therapy.api.alerts import AlertSerializer
from therapy.api.serializers import PrecheckSerializer
from therapy.models import CourseStatus
from therapy.rules.vls import SignStatus, VlsSeverity
from therapy.state.health import PART_WORDS, STATUSES
from therapy.state.patient_state import (
    DOSE_TIMING,
    VITALS_TIMING,
    PatientState,
    admission_states,
    patient_state,
)
from therapy.state.patient_state import (
    STATE_PERMISSIONS as SUMMARY_PERMISSIONS,
)

THERAPY_STATUSES = [*CourseStatus.values, "none"]
VLS_SEVERITIES = [severity.value for severity in VlsSeverity]
SIGN_STATUSES = [status.value for status in SignStatus]
MONITOR_STATUSES = list(STATUSES)
MONITOR_PARTS = list(PART_WORDS)


class StoredDateTimeField(serializers.DateTimeField):
    """A time the monitor stored in its findings as an ISO 8601 string, rendered like every
    other time of the API (the site's time zone, with its offset)."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return super().to_representation(value)


class TherapySummarySerializer(serializers.Serializer[Any]):
    course_id = serializers.UUIDField(allow_null=True)
    cycle = serializers.IntegerField(allow_null=True, min_value=1, max_value=2)
    doses_given = serializers.IntegerField(min_value=0, max_value=14)
    doses_held = serializers.IntegerField(min_value=0, max_value=14)
    max_doses = serializers.IntegerField(allow_null=True, min_value=1, max_value=14)
    next_dose_window_opens_at = serializers.DateTimeField(
        allow_null=True,
        help_text="From then the next dose's pre-check is final and it may be given or held "
        "(the dose time minus 2 h); null while no dose is scheduled on an active course.",
    )
    next_dose_overdue_at = serializers.DateTimeField(
        allow_null=True, help_text="Neither given nor held by then: dose_overdue."
    )
    next_dose_id = serializers.UUIDField(allow_null=True)
    next_dose_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=THERAPY_STATUSES)


class CrsSummarySerializer(serializers.Serializer[Any]):
    """ASTCT CRS grade from the monitor's latest assessment (clinical-rules.md §2). ``grade``
    is null when no vitals were taken in the window; with inputs missing it is a lower
    bound."""

    grade = serializers.IntegerField(allow_null=True, min_value=0, max_value=4)
    fever = serializers.BooleanField()
    fever_masked = serializers.BooleanField()
    hypotension_grade = serializers.IntegerField(allow_null=True, min_value=0, max_value=4)
    hypoxia_grade = serializers.IntegerField(allow_null=True, min_value=0, max_value=4)
    as_of = StoredDateTimeField(allow_null=True)
    max_temperature_c = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, required=False
    )
    reasons = serializers.ListField(child=serializers.CharField(), required=False)
    missing = serializers.ListField(child=serializers.CharField(), required=False)
    profile_name = serializers.CharField(required=False)
    profile_version = serializers.CharField(required=False)


class VlsSignSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=SIGN_STATUSES)
    value = serializers.JSONField(allow_null=True)
    threshold = serializers.CharField()
    baseline = serializers.JSONField(allow_null=True, required=False)
    note = serializers.CharField(allow_blank=True, required=False)
    as_of = StoredDateTimeField(allow_null=True, required=False)


class VlsSummarySerializer(serializers.Serializer[Any]):
    """Vascular leak signs from the monitor's latest assessment (clinical-rules.md §3):
    ``signs`` lists every sign with its status; missing data is ``not_assessable``."""

    suspected = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=VLS_SEVERITIES)
    signs = VlsSignSerializer(many=True)
    present = serializers.ListField(child=serializers.CharField(), required=False)
    not_assessable = serializers.ListField(child=serializers.CharField(), required=False)
    as_of = StoredDateTimeField(allow_null=True)
    profile_name = serializers.CharField(required=False)
    profile_version = serializers.CharField(required=False)


class AkiCriterionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="creatinine_ratio, creatinine_rise, creatinine_absolute, urine_<N>h (one per "
        "row of the profile's urine table), anuria, renal_replacement"
    )
    status = serializers.ChoiceField(choices=["met", "not_met", "not_assessable"])
    stage = serializers.IntegerField(
        allow_null=True, help_text="The stage it reaches: 0 when not met, null when not assessable."
    )
    value = serializers.JSONField(allow_null=True)
    threshold = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    as_of = StoredDateTimeField(allow_null=True)


class AkiSummarySerializer(serializers.Serializer[Any]):
    """(v2) Acute kidney injury, KDIGO 2012 (clinical-rules.md §3a), from the monitor's latest
    assessment: every criterion with its value, threshold and status."""

    stage = serializers.IntegerField(
        allow_null=True,
        help_text="0-3, the highest any criterion reaches; null when none could be assessed.",
    )
    criteria = AkiCriterionSerializer(many=True)
    met = serializers.ListField(child=serializers.CharField())
    not_assessable = serializers.ListField(child=serializers.CharField())
    baseline_creatinine_mg_dl = serializers.CharField(allow_null=True)
    weight_kg = serializers.CharField(help_text="The weight mL/kg/h is reckoned with.")
    as_of = StoredDateTimeField(allow_null=True)
    profile_name = serializers.CharField()
    profile_version = serializers.CharField()


class SkippedRecordSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="vitals, fluids, labs, medications, events, doses...")
    id = serializers.CharField(help_text="The stored record's id.")
    reason = serializers.CharField()


class MonitorSerializer(serializers.Serializer[Any]):
    """Whether the monitor is evaluating the patient (clinical-rules.md §6 (v2)). Anything but
    ``ok`` means "not monitored since ``not_monitored_since``" for ``error``; while it lasts,
    ``crs``, ``vls``, ``aki`` and ``precheck`` are null unless still current."""

    status = serializers.ChoiceField(
        choices=MONITOR_STATUSES,
        help_text="ok; failing (evaluations fail, wholly or in part); stale (none succeeded "
        "for IL2_MONITOR_STALE_MINUTES); never (none succeeded since admission).",
    )
    last_success_at = serializers.DateTimeField(allow_null=True)
    failing_since = serializers.DateTimeField(allow_null=True)
    not_monitored_since = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True, help_text="Why, in words; empty when ok.")
    words = serializers.CharField(
        allow_blank=True, help_text="“Not monitored since 14:05 — <reason>”; empty when ok."
    )
    failed_parts = serializers.ListField(child=serializers.ChoiceField(choices=MONITOR_PARTS))
    skipped = SkippedRecordSerializer(
        many=True, help_text="Records the rules could not use and left out, each named."
    )


class SummaryPrecheckSerializer(PrecheckSerializer):
    """The pre-dose check of the next dose, as the monitor last ran it."""

    dose_id = serializers.UUIDField()
    vitals_note = serializers.CharField(allow_blank=True, required=False)


def _latest_value_serializer(name: str) -> serializers.Serializer[Any]:
    """``{"value", "taken_at", "vitals_id"}`` of one measurement, ``value`` typed as the
    vital-signs set's own field."""
    value = copy.deepcopy(VitalSignsSerializer._declared_fields[name])
    value.allow_null = False
    words = name.replace("_", " ")
    kind = type(
        "Latest" + "".join(part.title() for part in name.split("_")) + "Serializer",
        (serializers.Serializer,),
        {
            "__doc__": f"The newest {words} with the time of the set it was charted in.",
            "value": value,
            "taken_at": serializers.DateTimeField(),
            "vitals_id": serializers.UUIDField(help_text="The vital-signs set it comes from."),
        },
    )
    made: serializers.Serializer[Any] = kind(required=False)
    return made


class LatestValuesSerializer(serializers.Serializer[Any]):
    """The newest value of each measurement, each with its own time (api-contract.md v2): a
    newer partial set never hides the last blood pressure. A measurement never charted is
    absent; the oxygen flow is the flow of the newest device's set."""

    respiratory_rate = _latest_value_serializer("respiratory_rate")
    spo2 = _latest_value_serializer("spo2")
    oxygen_device = _latest_value_serializer("oxygen_device")
    oxygen_flow_l_min = _latest_value_serializer("oxygen_flow_l_min")
    systolic_bp = _latest_value_serializer("systolic_bp")
    diastolic_bp = _latest_value_serializer("diastolic_bp")
    heart_rate = _latest_value_serializer("heart_rate")
    consciousness = _latest_value_serializer("consciousness")
    temperature_c = _latest_value_serializer("temperature_c")
    weight_kg = _latest_value_serializer("weight_kg")
    edema_grade = _latest_value_serializer("edema_grade")

    def to_representation(self, instance: Any) -> Any:
        return {
            name: self.fields[name].to_representation(latest.to_dict())
            for name, latest in instance.items()
        }


class DueSerializer(serializers.Serializer[Any]):
    """When vitals and the next dose are due (clinical-rules.md §6): ``vitals_status`` turns
    ``due`` once three quarters of the interval has passed and ``overdue`` after it (when the
    monitor raises ``vitals_overdue``); ``dose_status`` is ``due`` from the window's opening
    and ``overdue`` from ``dose_overdue_at`` (when it raises ``dose_overdue``)."""

    vitals_interval_minutes = serializers.IntegerField(min_value=1)
    vitals_due_at = serializers.DateTimeField(allow_null=True)
    vitals_status = serializers.ChoiceField(choices=VITALS_TIMING)
    dose_status = serializers.ChoiceField(choices=DOSE_TIMING)
    dose_window_opens_at = serializers.DateTimeField(allow_null=True)
    dose_overdue_at = serializers.DateTimeField(allow_null=True)


class AlertCountsSerializer(serializers.Serializer[Any]):
    open = serializers.IntegerField(min_value=0)
    emergency = serializers.IntegerField(min_value=0)
    urgent = serializers.IntegerField(min_value=0)
    routine = serializers.IntegerField(min_value=0)
    unacknowledged = serializers.IntegerField(
        min_value=0, help_text="Open alerts nobody has acknowledged yet."
    )
    unacknowledged_emergency = serializers.IntegerField(
        min_value=0, help_text="Of those, emergencies (the page header's badge counts these)."
    )


class PatientSummarySerializer(serializers.Serializer[Any]):
    patient = PatientSerializer()
    admission = AdmissionSerializer(allow_null=True, help_text="The open stay; null if none.")
    therapy = TherapySummarySerializer()
    latest_vitals = VitalSignsSerializer(
        allow_null=True, help_text="The newest set not entered in error; null if none."
    )
    latest_values = LatestValuesSerializer(
        help_text="The newest value of each measurement with its own time."
    )
    news2 = News2Serializer(
        allow_null=True, help_text="NEWS2 of the newest complete set; null if none."
    )
    crs = CrsSummarySerializer(
        allow_null=True,
        help_text="Null until the monitor has assessed the patient, and while its assessment "
        "is not current (see monitor).",
    )
    vls = VlsSummarySerializer(
        allow_null=True,
        help_text="Null until the monitor has assessed the patient, and while its assessment "
        "is not current (see monitor).",
    )
    aki = AkiSummarySerializer(
        allow_null=True,
        help_text="(v2) Null until the monitor has assessed the patient, and while its "
        "assessment is not current (see monitor).",
    )
    precheck = SummaryPrecheckSerializer(
        allow_null=True,
        help_text="Null when no dose is scheduled, the stored check is not about the dose "
        "that is next now (a dose decided since the last assessment), or the monitor's check "
        "is not current (see monitor).",
    )
    active_alerts = AlertSerializer(many=True, help_text="Open alerts, most severe first.")
    generated_at = serializers.DateTimeField()
    monitor = MonitorSerializer(help_text="Is the monitor evaluating the patient? In words.")

    due = DueSerializer(help_text="What is due, by the definitions the pages use.")
    alert_counts = AlertCountsSerializer(help_text="Open alerts counted as the pages count them.")

    def to_representation(self, instance: PatientState) -> Any:
        return super().to_representation(instance.to_document())


class WardFilterSerializer(serializers.Serializer[Any]):
    ward = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False
    )


def _visible_patient(request: Request, patient_id: Any) -> Patient:
    try:
        return patient_selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404 from error


@extend_schema(tags=["summary"])
class PatientSummaryView(APIView):
    """What a clinician sees at the bedside, in one call."""

    required_permissions = {"GET": SUMMARY_PERMISSIONS, "HEAD": SUMMARY_PERMISSIONS}

    @extend_schema(responses={200: PatientSummarySerializer})
    def get(self, request: Request, patient_id: Any) -> Response:
        patient = _visible_patient(request, patient_id)
        return Response(PatientSummarySerializer(patient_state(patient=patient)).data)


@extend_schema(tags=["summary"])
class WardSummariesView(generics.ListAPIView[Any]):
    """The summaries of every admitted patient (of one ward with ``ward``), by ward and bed:
    for clients that poll a ward. Paginated like every list."""

    serializer_class = PatientSummarySerializer
    queryset = Admission.objects.none()
    filter_backends: list[Any] = []
    required_permissions = {"GET": SUMMARY_PERMISSIONS, "HEAD": SUMMARY_PERMISSIONS}

    def get_queryset(self) -> Any:
        filters = WardFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)  # a NUL in ``ward`` is a 400, not a 500
        return patient_selectors.admitted_patients(
            user=self.request.user, ward=filters.validated_data["ward"]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("ward", str, description="Only this ward's admitted patients.")
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        states = admission_states(admissions=page or [])
        return self.get_paginated_response(PatientSummarySerializer(states, many=True).data)
