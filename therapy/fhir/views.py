"""The FHIR R4 endpoints: read-only, ``application/fhir+json`` (``application/json`` too when
asked for), authenticated like the REST API, errors as ``OperationOutcome``."""

import hashlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from il2monitor.openapi import AutoSchema
from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Patient,
    VasopressorInfusion,
    VitalSigns,
)
from patients.selectors import observations as observation_selectors
from patients.selectors import patients as patient_selectors
from therapy.fhir import bundles, resources, search
from therapy.fhir.schema import (
    FhirCapabilityStatementSerializer,
    FhirDocumentBundleSerializer,
    FhirErrorShapes,
    FhirPatientSerializer,
    FhirResourceSerializer,
    FhirSearchBundleSerializer,
)
from therapy.mar import selectors as mar_selectors
from therapy.monitor import selectors as monitor_selectors
from therapy.state.patient_state import STATE_PERMISSIONS, patient_state

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


def etag_of(resource: dict[str, Any]) -> str:
    """A weak ETag of the resource as served: it changes whenever any of it does."""
    body = json.dumps(resource, sort_keys=True, default=str).encode()
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def read_response(request: Request, resource: dict[str, Any]) -> Response:
    """A read: the resource with its ``ETag``; ``If-None-Match`` with that tag (or ``*``) is
    a 304 without a body (R4 http.html, "conditional read")."""
    tag = etag_of(resource)
    wanted = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
    weak = {t.removeprefix("W/") for t in wanted}
    if "*" in wanted or tag in wanted or tag.removeprefix("W/") in weak:
        return Response(status=304, headers={"ETag": tag})
    return Response(resource, headers={"ETag": tag})


def token_values(system: str, key: str) -> Callable[[Mapping[str, Any]], Any]:
    """A ``code`` element searched as a token: ``status=completed`` or
    ``status=<system>|completed``."""
    return lambda resource: {"coding": [{"system": system, "code": resource.get(key)}]}


def _identifiers(resource: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"coding": [{"system": i.get("system"), "code": i.get("value")}]}
        for i in resource.get("identifier", [])
    ]


LAST_UPDATED = search.Parameter(
    "_lastUpdated",
    "date",
    "When the server last changed the resource (meta.lastUpdated): ge, gt, ... like date.",
    search.last_updated,
)


def _onset(resource: Mapping[str, Any]) -> Any:
    onset = resource.get("onsetDateTime")
    return search.instant_span(onset) if onset else None


PATIENT = search.Parameter("patient", "reference", "The patient: {id}, Patient/{id} or its URL.")
SEARCH_PARAMETERS: dict[str, list[search.Parameter]] = {
    "Patient": [
        search.Parameter(
            "identifier",
            "token",
            "The MRN: system|value (the system is the hospital's MRN namespace) or value.",
            _identifiers,
        ),
        search.Parameter(
            "_id", "token", "The Patient's id.", lambda r: {"coding": [{"code": r["id"]}]}
        ),
        LAST_UPDATED,
    ],
    "Observation": [
        PATIENT,
        search.Parameter(
            "category",
            "token",
            "vital-signs, exam, survey, laboratory (observation-category) or fluid-balance "
            "(urn:il2monitor:codesystem:observation-category), with or without its system.",
            lambda r: r.get("category", []),
        ),
        search.Parameter(
            "code",
            "token",
            "system|code, e.g. http://loinc.org|8867-4; or a code of any system.",
            lambda r: r.get("code"),
        ),
        search.Parameter(
            "date",
            "date",
            "Clinical time (effective[x]): every precision and prefix of R4 date search.",
            search.resource_time,
        ),
        LAST_UPDATED,
    ],
    "MedicationAdministration": [
        PATIENT,
        search.Parameter(
            "status",
            "token",
            "completed, not-done, entered-in-error (IL-2 doses) or in-progress (vasopressor "
            "infusions).",
            token_values("http://terminology.hl7.org/CodeSystem/medication-admin-status", "status"),
        ),
        search.Parameter(
            "effective-time",
            "date",
            "When it was given, held, or ran (effective[x]).",
            search.resource_time,
        ),
        LAST_UPDATED,
    ],
    "Condition": [
        PATIENT,
        search.Parameter(
            "clinical-status",
            "token",
            "active or resolved (an event a nurse or physician ended).",
            lambda r: [r["clinicalStatus"]] if "clinicalStatus" in r else [],
        ),
        search.Parameter("onset-date", "date", "When the event was observed.", _onset),
        LAST_UPDATED,
    ],
    "Flag": [
        PATIENT,
        search.Parameter(
            "status",
            "token",
            "active (open alerts) or inactive (resolved).",
            token_values("http://hl7.org/fhir/flag-status", "status"),
        ),
        search.Parameter("date", "date", "The alert's period.", search.resource_time),
        LAST_UPDATED,
    ],
}


def _url(request: Request, params: dict[str, list[str]]) -> str:
    query = urlencode([(name, value) for name, values in params.items() for value in values])
    return request.build_absolute_uri(f"{request.path}?{query}")


def searched(
    request: Request, resource_type: str, build: Callable[[], list[dict[str, Any]]]
) -> Response:
    """A search-set bundle of ``build()``'s resources that match the request's parameters,
    paged by resource (``_count`` per page). Navigation links carry a ``_lastUpdated=le``
    pin (the time of the first page), so a record written between two pages neither shifts
    a page nor appears twice."""
    parameters = SEARCH_PARAMETERS[resource_type]
    now = timezone.now()
    strict = search.strict_handling(request.headers.get("Prefer", ""))
    query = {name: request.query_params.getlist(name) for name in request.query_params}
    found = search.parse_search(query, parameters, strict=strict)
    if not any(value.startswith("le") for value in found.used.get("_lastUpdated", [])):
        pin = f"le{timezone.localtime(now).isoformat(timespec='microseconds')}"
        found.used.setdefault("_lastUpdated", []).append(pin)
        found.dates.setdefault("_lastUpdated", []).extend(
            search.parse_date_criteria("_lastUpdated", [pin])
        )
    matches = [r for r in build() if found.keep(r, parameters, now)]
    page = search.page_of(matches, found)

    def link(number: int) -> str:
        return _url(request, {**found.used, "_count": [str(found.count)], "_page": [str(number)]})

    last = max(1, -(-page.total // found.count))
    links = {"self": link(found.page), "first": link(1)}
    if found.page > 1:
        links["previous"] = link(min(found.page - 1, last))
    if page.more:
        links["next"] = link(found.page + 1)
    links["last"] = link(last)
    outcome = None
    if found.ignored:
        outcome = {
            "resourceType": "OperationOutcome",
            "id": str(uuid.uuid4()),
            "issue": [
                {
                    "severity": "warning",
                    "code": "not-supported",
                    "diagnostics": f"Ignored (not supported here): {', '.join(found.ignored)}. "
                    "Send Prefer: handling=strict to have it refused.",
                }
            ],
        }
    return Response(
        bundles.search_bundle(
            base=request.build_absolute_uri("/fhir/r4/"),
            resources=page.resources,
            total=page.total,
            links=links,
            now=now,
            outcome=outcome,
        )
    )


def _openapi_parameters(resource_type: str) -> list[OpenApiParameter]:
    return [
        *(
            OpenApiParameter(
                p.name,
                OpenApiTypes.STR,
                required=p.name == "patient",
                many=p.type in ("token", "date"),
                description=p.documentation,
            )
            for p in SEARCH_PARAMETERS[resource_type]
        ),
        OpenApiParameter("_count", int, description=f"Resources per page, 1–{search.MAX_COUNT}."),
        OpenApiParameter("_page", int, description="Page number, from 1 (follow the links)."),
    ]


READ_PERMISSIONS = ["patients.view_patient"]
VITALS_PERMISSIONS = ["patients.view_patient", "patients.view_vitalsigns"]
DOSE_PERMISSIONS = ["patients.view_patient", "therapy.view_dose"]
ALERT_PERMISSIONS = ["patients.view_patient", "therapy.view_alert"]


def _permissions(names: list[str]) -> dict[str, list[str]]:
    return {"GET": names, "HEAD": names}


@extend_schema(tags=["fhir"])
class CapabilityView(FhirView):
    """The server's CapabilityStatement."""

    required_permissions = _permissions(READ_PERMISSIONS)

    @extend_schema(operation_id="fhir_metadata", responses={200: FhirCapabilityStatementSerializer})
    def get(self, request: Request) -> Response:
        return Response(
            bundles.capability_statement(
                base=self.base_url(), now=timezone.now(), searches=SEARCH_PARAMETERS
            )
        )


# --- Reads: every resource type the server emits, with its ETag -----------------------------
@extend_schema(tags=["fhir"])
class PatientReadView(FhirView):
    """A Patient: MRN, name, sex, birth date."""

    required_permissions = _permissions(READ_PERMISSIONS)

    @extend_schema(operation_id="fhir_patient_read", responses={200: FhirPatientSerializer})
    def get(self, request: Request, patient_id: str) -> Response:
        return read_response(
            request, resources.patient_resource(visible_patient(request, patient_id))
        )


@extend_schema(tags=["fhir"])
class ConditionReadView(FhirView):
    """The indication for IL-2 (``{patient id}-diagnosis``), as ``$summary`` cites it, or a
    clinical event (``{event id}-event``), with its end once ended."""

    required_permissions = _permissions(READ_PERMISSIONS)

    @extend_schema(operation_id="fhir_condition_read", responses={200: FhirResourceSerializer})
    def get(self, request: Request, resource_id: str) -> Response:
        if resource_id.endswith("-event"):
            event_id = parse_id(resource_id.removesuffix("-event"))
            if event_id is None or not request.user.has_perm("patients.view_clinicalevent"):
                raise Http404
            try:
                event = observation_selectors.observation_get(
                    user=request.user, model=ClinicalEvent, observation_id=event_id
                )
            except ClinicalEvent.DoesNotExist as error:
                raise Http404 from error
            return read_response(request, resources.event_condition(event))
        patient_id, _, suffix = resource_id.partition("-diagnosis")
        if suffix or not resource_id.endswith("-diagnosis"):
            raise Http404
        return read_response(
            request, resources.diagnosis_resource(visible_patient(request, patient_id))
        )


# Observation id suffix → the records and how they become Observations (anything else: a
# vital-signs set's measurement).
OBSERVATION_SOURCES: dict[str, tuple[Any, Callable[[Any], list[dict[str, Any]]]]] = {
    "vitals": (VitalSigns, resources.vitals_observations),
    "lab": (LabResult, lambda lab: [resources.lab_observation(lab)]),
    "fluid": (FluidEntry, lambda entry: [resources.fluid_observation(entry)]),
}


def _newest_first(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest clinical time first: a time, or the end of a period (stable for ties)."""

    def when(resource: dict[str, Any]) -> datetime:
        period = resource.get("effectivePeriod")
        return datetime.fromisoformat(period["end"] if period else resource["effectiveDateTime"])

    return sorted(found, key=when, reverse=True)


def _split_observation_id(resource_id: str) -> tuple[uuid.UUID, str]:
    """``{record id}-{suffix}``: the vital-signs set and its measurement."""
    record_id, suffix = parse_id(resource_id[:36]), resource_id[37:]
    if record_id is None or resource_id[36:37] != "-" or not suffix:
        raise Http404
    return record_id, suffix


@extend_schema(tags=["fhir"])
class ObservationReadView(FhirView):
    """One Observation by the id a search or ``$summary`` gave it."""

    required_permissions = _permissions(VITALS_PERMISSIONS)

    @extend_schema(operation_id="fhir_observation_read", responses={200: FhirResourceSerializer})
    def get(self, request: Request, resource_id: str) -> Response:
        record_id, suffix = _split_observation_id(resource_id)
        model, build = OBSERVATION_SOURCES.get(suffix, OBSERVATION_SOURCES["vitals"])
        if not request.user.has_perm(f"patients.view_{model._meta.model_name}"):
            raise Http404
        try:
            record = observation_selectors.observation_get(
                user=request.user, model=model, observation_id=record_id
            )
        except model.DoesNotExist as error:
            raise Http404 from error
        for resource in build(record):
            if resource["id"] == resource_id:
                return read_response(request, resource)
        raise Http404


def _vasopressor(request: Request, resource_id: str) -> dict[str, Any]:
    infusion_id = parse_id(resource_id.removesuffix("-vaso"))
    infusion = (
        VasopressorInfusion.objects.filter(pk=infusion_id).select_related("vital_signs").first()
        if infusion_id and request.user.has_perm("patients.view_vitalsigns")
        else None
    )
    if infusion is None:
        raise Http404
    try:  # the set, through the one visibility rule
        vitals = observation_selectors.observation_get(
            user=request.user, model=VitalSigns, observation_id=infusion.vital_signs_id
        )
    except VitalSigns.DoesNotExist as error:
        raise Http404 from error
    return resources.vasopressor_administration(infusion, vitals)


@extend_schema(tags=["fhir"])
class MedicationAdministrationReadView(FhirView):
    """One IL-2 dose given, held or entered in error."""

    required_permissions = _permissions(DOSE_PERMISSIONS)

    @extend_schema(
        operation_id="fhir_medication_administration_read",
        responses={200: FhirResourceSerializer},
    )
    def get(self, request: Request, resource_id: str) -> Response:
        if resource_id.endswith("-vaso"):
            return read_response(request, _vasopressor(request, resource_id))
        dose_id = parse_id(resource_id)
        dose = (
            mar_selectors.doses_visible(user=request.user)
            .filter(pk=dose_id, status__in=resources.EXPORTED_DOSE_STATUSES)
            .select_related("course")
            .first()
            if dose_id
            else None
        )
        if dose is None:
            raise Http404
        return read_response(request, resources.medication_administration(dose))


@extend_schema(tags=["fhir"])
class FlagReadView(FhirView):
    """One alert, open (``active``) or resolved (``inactive``)."""

    required_permissions = _permissions(ALERT_PERMISSIONS)

    @extend_schema(operation_id="fhir_flag_read", responses={200: FhirResourceSerializer})
    def get(self, request: Request, resource_id: str) -> Response:
        alert_id = parse_id(resource_id)
        alert = (
            monitor_selectors.alerts_visible(user=request.user).filter(pk=alert_id).first()
            if alert_id
            else None
        )
        if alert is None:
            raise Http404
        return read_response(request, resources.flag_resource(alert))


@extend_schema(tags=["fhir"])
class PatientSummaryDocumentView(FhirView):
    """``$summary``: a document Bundle, Composition LOINC 60591-5 first."""

    required_permissions = _permissions(list(STATE_PERMISSIONS))

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


# --- Searches -------------------------------------------------------------------------------
@extend_schema(tags=["fhir"])
class PatientSearchView(FhirView):
    """Patients the caller may see; ``identifier=<MRN system>|<MRN>`` finds one by MRN."""

    required_permissions = _permissions(READ_PERMISSIONS)

    @extend_schema(
        operation_id="fhir_patient_search",
        parameters=_openapi_parameters("Patient"),
        responses={200: FhirSearchBundleSerializer},
    )
    def get(self, request: Request) -> Response:
        patients = patient_selectors.patient_list(user=request.user)
        return searched(
            request, "Patient", lambda: [resources.patient_resource(p) for p in patients]
        )


class PatientCompartmentSearchView(FhirView, ABC):
    """A search within one patient's compartment: ``patient`` is required, and a patient the
    caller may not see (or that does not exist) gives an empty bundle, not a 404. Each
    subclass names its ``resource_type`` and builds that patient's resources in ``found``."""

    resource_type: ClassVar[str]

    @abstractmethod
    def found(self, request: Request, patient: Patient) -> list[dict[str, Any]]:
        """The patient's resources of this type, before the search's parameters apply."""

    def get(self, request: Request) -> Response:
        patient = searched_patient(request)
        return searched(
            request,
            self.resource_type,
            lambda: [] if patient is None else self.found(request, patient),
        )


def compartment_search(resource_type: str, operation_id: str) -> Callable[[type], type]:
    """The OpenAPI description of a compartment search's GET."""
    return extend_schema_view(
        get=extend_schema(
            tags=["fhir"],
            operation_id=operation_id,
            parameters=_openapi_parameters(resource_type),
            responses={200: FhirSearchBundleSerializer},
        )
    )


@compartment_search("Observation", "fhir_observation_search")
class ObservationSearchView(PatientCompartmentSearchView):
    """A patient's observations, newest first: one per measurement of each vital-signs set
    (vital-signs profiles), BP as a panel, ACVPU and oedema (exam), NEWS2 (survey); lab
    results (laboratory); fluid intake and output over their periods (fluid-balance).
    ``_count`` counts Observations. Records entered in error are included with status
    ``entered-in-error``."""

    resource_type = "Observation"
    required_permissions = _permissions(VITALS_PERMISSIONS)

    def found(self, request: Request, patient: Patient) -> list[dict[str, Any]]:
        found = []
        for model, make in OBSERVATION_SOURCES.values():
            records = observation_selectors.observation_list(
                user=request.user, patient=patient, model=model, include_entered_in_error=True
            )
            found += [resource for record in records for resource in make(record)]
        return _newest_first(found)


@compartment_search("MedicationAdministration", "fhir_medication_administration_search")
class MedicationAdministrationSearchView(PatientCompartmentSearchView):
    """The patient's IL-2 doses given (``completed``), held (``not-done`` with the hold
    reasons as ``statusReason``) or entered in error, and the vasopressor infusions charted
    with the vital signs (``in-progress``, ``dosage.rateQuantity``), in time order."""

    resource_type = "MedicationAdministration"
    required_permissions = _permissions(DOSE_PERMISSIONS)

    def found(self, request: Request, patient: Patient) -> list[dict[str, Any]]:
        doses = (
            mar_selectors.doses_of(patient=patient)
            .filter(status__in=resources.EXPORTED_DOSE_STATUSES)
            .select_related("course")
        )
        found = [resources.medication_administration(dose) for dose in doses]
        sets = observation_selectors.observation_list(
            user=request.user, patient=patient, model=VitalSigns, include_entered_in_error=True
        ).filter(vasopressors_recorded=True)
        found += [
            resources.vasopressor_administration(infusion, vitals)
            for vitals in sets
            for infusion in vitals.vasopressors.all()
        ]
        return sorted(found, key=lambda r: datetime.fromisoformat(r["effectiveDateTime"]))


@compartment_search("Flag", "fhir_flag_search")
class FlagSearchView(PatientCompartmentSearchView):
    """The patient's alerts as Flags, most severe first: open ones ``active``, resolved ones
    ``inactive`` (``status=active`` for the open ones only); the severity is the
    flag-priority extension."""

    resource_type = "Flag"
    required_permissions = _permissions(ALERT_PERMISSIONS)

    def found(self, request: Request, patient: Patient) -> list[dict[str, Any]]:
        alerts = monitor_selectors.alerts_visible(user=request.user).filter(patient=patient)
        return [resources.flag_resource(alert) for alert in alerts]


@compartment_search("Condition", "fhir_condition_search")
class ConditionSearchView(PatientCompartmentSearchView):
    """The patient's conditions: the indication for IL-2, and the clinical events charted at
    the bedside, each ``active`` until ended and ``resolved`` with its end after (events
    entered in error are left out, as every list leaves them out)."""

    resource_type = "Condition"
    required_permissions = _permissions(READ_PERMISSIONS)

    def found(self, request: Request, patient: Patient) -> list[dict[str, Any]]:
        events = observation_selectors.observation_list(
            user=request.user, patient=patient, model=ClinicalEvent
        )
        return [
            resources.diagnosis_resource(patient),
            *(resources.event_condition(event) for event in events),
        ]


@extend_schema(exclude=True)
class UnknownView(FhirView):
    """Any other path under /fhir/r4/: 404 as an OperationOutcome (after authentication)."""

    required_permissions = _permissions(READ_PERMISSIONS)

    def get(self, request: Request, rest: str = "") -> Response:
        raise Http404(
            "This server serves Patient, Observation, MedicationAdministration, Flag and "
            "Condition (see metadata)."
        )
