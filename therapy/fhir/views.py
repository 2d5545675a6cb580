"""The FHIR R4 endpoints: read-only, ``application/fhir+json`` (``application/json`` too when
asked for), authenticated like the REST API, errors as ``OperationOutcome``."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from il2monitor.openapi import AutoSchema
from patients.models import Patient, VitalSigns
from patients.selectors import observations as observation_selectors
from patients.selectors import patients as patient_selectors
from therapy.fhir import bundles, resources
from therapy.fhir.schema import (
    FhirCapabilityStatementSerializer,
    FhirDocumentBundleSerializer,
    FhirErrorShapes,
    FhirPatientSerializer,
    FhirSearchBundleSerializer,
)
from therapy.mar import selectors as mar_selectors
from therapy.models import OPEN_STATUSES
from therapy.monitor import selectors as monitor_selectors
from therapy.state.patient_state import STATE_PERMISSIONS, patient_state

DEFAULT_COUNT = 100
MAX_COUNT = 500
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    415: "not-supported",
    429: "throttled",
}


class _WithoutFormatOverride:
    """DRF's settings, less its ``?format=`` override: FHIR has its own (``_format``, not
    supported), and a FHIR client negotiates by the Accept header."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name: str) -> Any:
        return getattr(api_settings, name)


class FhirContentNegotiation(DefaultContentNegotiation):
    settings: Any = _WithoutFormatOverride()  # api_settings, less one


class FhirAutoSchema(AutoSchema):
    def _get_format_parameters(self) -> list[Any]:
        return []


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirAsJsonRenderer(JSONRenderer):
    """``Accept: application/json`` gets the same resources (FHIR allows the plain type)."""

    media_type = "application/json"
    format = "json"


def operation_outcome(status: int, detail: Any) -> dict[str, Any]:
    """DRF's error detail (a message, a list, or ``{field: [messages]}``) as OperationOutcome
    issues: one per message, naming its field in ``expression``."""
    issues: list[dict[str, Any]] = []

    def add(message: Any, field: str | None) -> None:
        if isinstance(message, dict):
            for key, value in message.items():
                add(value, key if key not in ("detail", "non_field_errors") else field)
        elif isinstance(message, list):
            for item in message:
                add(item, field)
        else:
            issue: dict[str, Any] = {
                "severity": "error",
                "code": ISSUE_CODES.get(status, "exception"),
                "diagnostics": str(message),
            }
            if field:
                issue["expression"] = [field]
            issues.append(issue)

    add(detail, None)
    if not issues:
        issues.append({"severity": "error", "code": ISSUE_CODES.get(status, "exception")})
    return {"resourceType": "OperationOutcome", "issue": issues}


class FhirView(APIView):
    renderer_classes = [FhirJsonRenderer, FhirAsJsonRenderer]
    content_negotiation_class = FhirContentNegotiation
    schema = FhirAutoSchema()
    http_method_names = ["get", "head"]
    error_schema_class = FhirErrorShapes

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        response.data = operation_outcome(response.status_code, response.data)
        return response

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/fhir/r4/")


def parse_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def visible_patient(request: Request, patient_id: Any) -> Patient:
    parsed = parse_id(patient_id)
    if parsed is None:
        raise Http404
    try:
        return patient_selectors.patient_get(user=request.user, patient_id=parsed)
    except Patient.DoesNotExist as error:
        raise Http404 from error


def searched_patient(request: Request) -> Patient | None:
    """The ``patient`` search parameter (an id, ``Patient/{id}`` or a full URL): the patient,
    or None when there is no such patient the caller may see (the search is then empty)."""
    values = request.query_params.getlist("patient")
    if len(values) != 1 or not values[0].strip():
        raise ValidationError({"patient": ["Give exactly one patient: patient={id}."]})
    parsed = parse_id(values[0].strip().rstrip("/").rsplit("/", 1)[-1])
    if parsed is None:
        raise ValidationError({"patient": ["A patient id is a UUID."]})
    try:
        return patient_selectors.patient_get(user=request.user, patient_id=parsed)
    except Patient.DoesNotExist:
        return None


def paging(request: Request) -> tuple[int, int]:
    errors: dict[str, list[str]] = {}
    values = {}
    for name, default, high in (("_count", DEFAULT_COUNT, MAX_COUNT), ("_page", 1, 100_000)):
        raw = request.query_params.get(name, str(default))
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            errors[name] = [f"{name} must be a whole number from 1 to {high}."]
        else:
            values[name] = int(raw)
    if errors:
        raise ValidationError(errors)
    return values["_count"], values["_page"]


def date_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """``date`` search parameters (ge, gt, le, lt, or eq/none for a whole day or an instant)
    as ``since`` ≤ clinical time < ``until``."""
    since: datetime | None = None
    until: datetime | None = None
    messages = []
    for raw in request.query_params.getlist("date"):
        prefix, text = ("eq", raw)
        if raw[:2] in ("ge", "gt", "le", "lt", "eq"):
            prefix, text = raw[:2], raw[2:]
        moment: datetime | None = None
        day = None
        try:
            if "T" in text:
                moment = parse_datetime(text)
            else:
                day = parse_date(text)
        except ValueError:
            pass
        if moment is not None and timezone.is_naive(moment):
            moment = None  # an instant needs its offset
        if moment is None and day is None:
            messages.append(f"{raw!r}: give a date or a time with its offset, e.g. ge2025-01-31.")
            continue
        if day is not None:
            start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            low, high = start, start + timedelta(days=1)
        else:
            assert moment is not None  # one of the two, checked above
            low, high = moment, moment + timedelta(microseconds=1)
        bounds = {
            "ge": (low, None),
            "gt": (high, None),
            "le": (None, high),
            "lt": (None, low),
            "eq": (low, high),
        }[prefix]
        if bounds[0] is not None:
            since = bounds[0] if since is None else max(since, bounds[0])
        if bounds[1] is not None:
            until = bounds[1] if until is None else min(until, bounds[1])
    if messages:
        raise ValidationError({"date": messages})
    return since, until


def page_links(request: Request, page: int, more: bool) -> dict[str, str]:
    def url(number: int) -> str:
        params = request.query_params.copy()
        params["_page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    links = {"self": url(page)}
    if more:
        links["next"] = url(page + 1)
    if page > 1:
        links["previous"] = url(page - 1)
    return links


def _present(condition: Q) -> Case:
    return Case(When(condition, then=1), default=0, output_field=IntegerField())


def observation_count(sets: QuerySet[VitalSigns]) -> int:
    """How many Observations ``resources.vitals_observations`` makes of these sets (a test
    checks the two agree)."""
    measured = [
        "respiratory_rate",
        "spo2",
        "heart_rate",
        "temperature_c",
        "weight_kg",
        "edema_grade",
        "news2_total",
    ]
    per_set = sum(
        (_present(Q(**{f"{name}__isnull": False})) for name in measured),
        _present(Q(systolic_bp__isnull=False) | Q(diastolic_bp__isnull=False))
        + _present(Q(consciousness__isnull=False) & ~Q(consciousness="")),
    )
    return int(sets.order_by().aggregate(total=Sum(per_set))["total"] or 0)


PATIENT_PARAMETER = OpenApiParameter(
    "patient",
    str,
    required=True,
    description="The patient: `{id}`, `Patient/{id}` or the Patient's full URL.",
)
PAGING_PARAMETERS = [
    OpenApiParameter("_count", int, description=f"Per page, 1–{MAX_COUNT}."),
    OpenApiParameter("_page", int, description="Page number, from 1."),
]


@extend_schema(tags=["fhir"])
class CapabilityView(FhirView):
    """The server's CapabilityStatement."""

    required_permissions = {"GET": ["patients.view_patient"], "HEAD": ["patients.view_patient"]}

    @extend_schema(operation_id="fhir_metadata", responses={200: FhirCapabilityStatementSerializer})
    def get(self, request: Request) -> Response:
        return Response(bundles.capability_statement(base=self.base_url(), now=timezone.now()))


@extend_schema(tags=["fhir"])
class PatientReadView(FhirView):
    """A Patient: MRN, name, sex, birth date."""

    required_permissions = {"GET": ["patients.view_patient"], "HEAD": ["patients.view_patient"]}

    @extend_schema(operation_id="fhir_patient_read", responses={200: FhirPatientSerializer})
    def get(self, request: Request, patient_id: str) -> Response:
        return Response(resources.patient_resource(visible_patient(request, patient_id)))


@extend_schema(tags=["fhir"])
class PatientSummaryDocumentView(FhirView):
    """``$summary``: a document Bundle, Composition LOINC 60591-5 first."""

    required_permissions = {"GET": STATE_PERMISSIONS, "HEAD": STATE_PERMISSIONS}

    @extend_schema(
        operation_id="fhir_patient_summary", responses={200: FhirDocumentBundleSerializer}
    )
    def get(self, request: Request, patient_id: str) -> Response:
        patient = visible_patient(request, patient_id)
        state = patient_state(patient=patient)
        course = state.therapy.course
        doses = (
            list(
                mar_selectors.doses_of(patient=patient)
                .filter(course=course, status__in=resources.EXPORTED_DOSE_STATUSES)
                .select_related("course")
            )
            if course
            else []
        )
        document = bundles.summary_document(base=self.base_url(), state=state, doses=doses)
        return Response(document)


@extend_schema(tags=["fhir"])
class ObservationSearchView(FhirView):
    """A patient's vital signs, newest first: one Observation per measurement (vital-signs
    profiles), BP as a panel, ACVPU and oedema (exam), NEWS2 (survey). A page holds the
    observations of ``_count`` vital-signs sets. Sets entered in error are included with
    status ``entered-in-error``."""

    required_permissions = {
        "GET": ["patients.view_patient", "patients.view_vitalsigns"],
        "HEAD": ["patients.view_patient", "patients.view_vitalsigns"],
    }

    @extend_schema(
        operation_id="fhir_observation_search",
        parameters=[
            PATIENT_PARAMETER,
            OpenApiParameter(
                "date",
                OpenApiTypes.STR,
                many=True,
                description="Clinical time: ge, gt, le, lt or eq then a date or a time with "
                "its offset (repeatable), e.g. `date=ge2025-01-31`.",
            ),
            *PAGING_PARAMETERS,
        ],
        responses={200: FhirSearchBundleSerializer},
    )
    def get(self, request: Request) -> Response:
        count, page = paging(request)
        since, until = date_range(request)
        patient = searched_patient(request)
        found: list[dict[str, Any]] = []
        total, more = 0, False
        if patient is not None:
            sets = observation_selectors.observation_list(
                user=request.user,
                patient=patient,
                model=VitalSigns,
                since=since,
                until=until,
                include_entered_in_error=True,
            )
            total = observation_count(sets)
            rows = list(sets[(page - 1) * count : page * count + 1])
            more = len(rows) > count
            for vitals in rows[:count]:
                found += resources.vitals_observations(vitals)
        return Response(
            bundles.search_bundle(
                base=self.base_url(),
                resources=found,
                total=total,
                links=page_links(request, page, more),
                now=timezone.now(),
            )
        )


@extend_schema(tags=["fhir"])
class MedicationAdministrationSearchView(FhirView):
    """The patient's IL-2 doses given (``completed``), held (``not-done`` with the hold
    reasons as ``statusReason``) or entered in error, in order."""

    required_permissions = {
        "GET": ["patients.view_patient", "therapy.view_dose"],
        "HEAD": ["patients.view_patient", "therapy.view_dose"],
    }

    @extend_schema(
        operation_id="fhir_medication_administration_search",
        parameters=[PATIENT_PARAMETER, *PAGING_PARAMETERS],
        responses={200: FhirSearchBundleSerializer},
    )
    def get(self, request: Request) -> Response:
        count, page = paging(request)
        patient = searched_patient(request)
        found: list[dict[str, Any]] = []
        total, more = 0, False
        if patient is not None:
            doses = (
                mar_selectors.doses_of(patient=patient)
                .filter(status__in=resources.EXPORTED_DOSE_STATUSES)
                .select_related("course")
            )
            total = doses.count()
            rows = list(doses[(page - 1) * count : page * count + 1])
            more = len(rows) > count
            found = [resources.medication_administration(dose) for dose in rows[:count]]
        return Response(
            bundles.search_bundle(
                base=self.base_url(),
                resources=found,
                total=total,
                links=page_links(request, page, more),
                now=timezone.now(),
            )
        )


@extend_schema(tags=["fhir"])
class FlagSearchView(FhirView):
    """The patient's open alerts (active or acknowledged) as active Flags, most severe
    first; the severity is the flag-priority extension."""

    required_permissions = {
        "GET": ["patients.view_patient", "therapy.view_alert"],
        "HEAD": ["patients.view_patient", "therapy.view_alert"],
    }

    @extend_schema(
        operation_id="fhir_flag_search",
        parameters=[PATIENT_PARAMETER],
        responses={200: FhirSearchBundleSerializer},
    )
    def get(self, request: Request) -> Response:
        patient = searched_patient(request)
        flags = []
        if patient is not None:
            alerts = monitor_selectors.alerts_visible(user=request.user).filter(
                patient=patient, status__in=OPEN_STATUSES
            )
            flags = [resources.flag_resource(alert) for alert in alerts]
        return Response(
            bundles.search_bundle(
                base=self.base_url(),
                resources=flags,
                total=len(flags),
                links=page_links(request, 1, False),
                now=timezone.now(),
            )
        )


@extend_schema(exclude=True)
class UnknownView(FhirView):
    """Any other path under /fhir/r4/: 404 as an OperationOutcome (after authentication)."""

    required_permissions = {"GET": ["patients.view_patient"], "HEAD": ["patients.view_patient"]}

    def get(self, request: Request, rest: str = "") -> Response:
        raise Http404("This server serves Patient, Observation, MedicationAdministration, Flag.")
