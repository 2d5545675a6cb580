"""The patient summary (api-contract.md, "Patient summary"): one patient, and a ward's list for
clients that poll. Both serialize the read model the pages show (``therapy.state``), built in
a fixed number of queries whatever the history, or the number of patients on a page."""

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.api.observation_serializers import News2Serializer, VitalSignsSerializer
from patients.api.serializers import AdmissionSerializer, PatientSerializer
from patients.models import Admission, Patient
from patients.selectors import patients as patient_selectors
from therapy.api.alerts import AlertSerializer
from therapy.api.serializers import PrecheckSerializer
from therapy.models import CourseStatus, StateDocument
from therapy.rules.profile import TrendSeries
from therapy.rules.trends import TrendStatus
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


class TrendSeriesSerializer(serializers.Serializer[Any]):
    """One series of clinical-rules.md §7 (v2): its least-squares line over its window,
    projected to the next dose; ``threshold`` is set when it crosses."""

    series = serializers.ChoiceField(choices=[s.value for s in TrendSeries])
    status = serializers.ChoiceField(choices=[s.value for s in TrendStatus])
    note = serializers.CharField(allow_blank=True)
    points = serializers.IntegerField(min_value=0)
    first_at = serializers.DateTimeField(allow_null=True)
    current_value = serializers.FloatField(allow_null=True)
    current_at = serializers.DateTimeField(allow_null=True)
    slope_per_hour = serializers.FloatField(allow_null=True)
    projected_value = serializers.FloatField(allow_null=True)
    projected_at = serializers.DateTimeField(allow_null=True)
    threshold = serializers.CharField(allow_blank=True)
    threshold_value = serializers.FloatField(allow_null=True)


class TrendSummarySerializer(serializers.Serializer[Any]):
    crossings = TrendSeriesSerializer(many=True)
    series = TrendSeriesSerializer(many=True)
    horizon_at = serializers.DateTimeField()
    horizon = serializers.ChoiceField(choices=["next_dose", "no_dose"])
    checked_at = serializers.DateTimeField()
    profile_name = serializers.CharField()
    profile_version = serializers.CharField()


class DueSerializer(serializers.Serializer[Any]):
    """When vitals and the next dose are due (clinical-rules.md §6): ``vitals_status`` turns
    ``due`` once three quarters of the interval has passed and ``overdue`` after it (when the
    monitor raises ``vitals_overdue``); ``dose_status`` is ``due`` from the window's opening
    and ``overdue`` from ``dose_overdue_at`` (when it raises ``dose_overdue``)."""

    vitals_interval_minutes = serializers.IntegerField(min_value=1)
    close_watch = serializers.ChoiceField(
        choices=["vasopressor_running", "crs_grade"],
        allow_null=True,
        help_text="Why vitals are due at least hourly (§6 (v2)); null when they are not.",
    )
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
    trend = TrendSummarySerializer(
        allow_null=True,
        help_text="Least-squares projections to the next dose (§7 (v2)); null until the "
        "monitor has assessed the patient, and while its assessment is not current.",
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


# --- the stored document (therapy.models.documents) -----------------------------------------


def _etag(body: dict[str, Any]) -> str:
    """A strong validator of what the summary says: the body without ``generated_at`` (a
    summary rebuilt with nothing changed keeps its ETag)."""
    said = {key: value for key, value in body.items() if key != "generated_at"}
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()[:40]


def _stored(
    ids: list[Any], build: Callable[[], list[PatientState]]
) -> list[tuple[dict[str, Any], str]]:
    """Build the states of these patients (``build``, in the order of ``ids``), serialize them
    as the API renders them, and store each as its patient's document unless a write moved
    its ``changes`` since before the build began (compare and set)."""
    seen = dict(StateDocument.objects.filter(patient_id__in=ids).values_list("pk", "changes"))
    missing = [pk for pk in ids if pk not in seen]
    if missing:  # a row first, so that a write racing this build bumps it (see invalidate)
        StateDocument.objects.invalidate(missing)
        seen.update(
            StateDocument.objects.filter(patient_id__in=missing).values_list("pk", "changes")
        )
    built = []
    for state in build():
        data = PatientSummarySerializer(state).data
        body = json.loads(JSONRenderer().render(data))
        etag = _etag(body)
        changes = seen[state.patient.pk]
        StateDocument.objects.filter(patient_id=state.patient.pk, changes=changes).update(
            body=body,
            etag=etag,
            built_from=changes,
            built_at=state.now,
            valid_until=state.changes_at,
        )
        built.append((body, etag))
    return built


def summary_document_refresh(*, patient_id: Any) -> None:
    """Build and store a patient's summary document (the monitor does, after evaluating)."""
    patient = (
        Patient.objects.filter(pk=patient_id)
        .prefetch_related(
            Prefetch(
                "admissions",
                queryset=Admission.objects.filter(discharged_at__isnull=True),
                to_attr="open_admissions",
            )
        )
        .first()
    )
    if patient is not None:
        _stored([patient.pk], lambda: [patient_state(patient=patient)])


def _not_modified(request: Request, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") in (f'"{etag}"', "*") for tag in wanted.split(","))


def _conditional(request: Request, body: Any, etag: str) -> Response:
    """200 with the body, or 304 when the client holds it already; the ETag either way."""
    response = Response(status=304) if _not_modified(request, etag) else Response(body)
    response["ETag"] = f'"{etag}"'
    return response


@extend_schema(tags=["summary"])
class PatientSummaryView(APIView):
    """What a clinician sees at the bedside, in one call.

    Served from the patient's stored document while it is current (one query): the monitor
    stores it when it evaluates, and a request that finds it out of date builds and stores it.
    Answers with an ``ETag``; ``If-None-Match`` with it answers 304 while nothing changed."""

    required_permissions = {"GET": SUMMARY_PERMISSIONS, "HEAD": SUMMARY_PERMISSIONS}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of a summary you hold: 304 while it is still current.",
            )
        ],
        responses={
            200: PatientSummarySerializer,
            304: OpenApiResponse(description="Not modified: the summary you hold is current."),
        },
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        now = timezone.now()
        if patient_selectors.may_see_patients(request.user):
            document = StateDocument.objects.filter(patient_id=patient_id).first()
            if document is not None and document.is_current(now):
                return _conditional(request, document.body, document.etag)
        patient = _visible_patient(request, patient_id)
        [(body, etag)] = _stored([patient.pk], lambda: [patient_state(patient=patient, now=now)])
        return _conditional(request, body, etag)


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
        """Each summary from its stored document while current (one query for the page's),
        the others built and stored; an ``ETag`` over the page."""
        now = timezone.now()
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        ids = [stay.patient_id for stay in page]
        documents = {
            document.pk: document
            for document in StateDocument.objects.filter(patient_id__in=ids)
            if document.is_current(now)
        }
        stale = [stay for stay in page if stay.patient_id not in documents]
        built = dict(
            zip(
                [stay.patient_id for stay in stale],
                _stored(
                    [stay.patient_id for stay in stale],
                    lambda: admission_states(admissions=stale, now=now),
                ),
                strict=True,
            )
        )
        items = [
            (documents[pk].body, documents[pk].etag) if pk in documents else built[pk] for pk in ids
        ]
        response = self.get_paginated_response([body for body, _ in items])
        links = {key: value for key, value in response.data.items() if key != "results"}
        etag = hashlib.sha256(
            json.dumps([links, [tag for _, tag in items]], sort_keys=True).encode()
        ).hexdigest()[:40]
        return _conditional(request, response.data, etag)
