"""API views of the bedside records. Thin: serializers parse, services write, selectors read."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from il2monitor.listing import ListTimes, time_filtered, time_parameters
from patients.api.observation_serializers import (
    ClinicalEventSerializer,
    EnteredInErrorSerializer,
    EventEndSerializer,
    FluidConflictSerializer,
    FluidEntrySerializer,
    LabResultSerializer,
    ObservationFilterSerializer,
    SupportiveMedicationSerializer,
    VitalSignsSerializer,
)
from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    Observation,
    Patient,
    SupportiveMedication,
    VitalSigns,
)
from patients.selectors import observations as observation_selectors
from patients.selectors import patients as selectors
from patients.services.observations import (
    event_end,
    event_record,
    fluid_record,
    lab_record,
    medication_record,
)
from patients.services.recording import observation_mark_entered_in_error
from patients.services.vitals import vitals_record

LIST_PARAMETERS = [
    *time_parameters(ListTimes(clinical="clinical time", entered="created_at")),
    OpenApiParameter(
        "include_entered_in_error",
        OpenApiTypes.BOOL,
        description="Also list records marked entered in error (left out by default).",
    ),
]


def _permissions(model: type[Observation], write: str) -> dict[str, list[str]]:
    name = model._meta.model_name
    read = [f"patients.view_{name}"]
    return {"GET": read, "HEAD": read, "POST": [f"patients.{write}_{name}"]}


class PatientObservationsView(generics.ListAPIView[Any]):
    """GET lists a patient's records of one kind; POST records one (201, or 200 with the stored
    record for a repeated ``client_id``)."""

    model: ClassVar[type[Observation]]
    record: ClassVar[Callable[..., Any]]

    def get_patient(self) -> Patient:
        try:
            # The recording service locks the open stay itself; a list filters by patient.
            return selectors.patient_get(
                user=self.request.user, patient_id=self.kwargs["patient_id"], with_stay=False
            )
        except Patient.DoesNotExist as error:
            raise Http404 from error

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema generator
            return self.model._default_manager.none()
        filters = ObservationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        records = observation_selectors.observation_list(
            user=self.request.user,
            patient=self.get_patient(),
            model=self.model,
            include_entered_in_error=filters.validated_data["include_entered_in_error"],
        )
        times = ListTimes(clinical=self.model.CLINICAL_TIME, entered="created_at")
        return time_filtered(self.request, self, records, times)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recorded = type(self).record(patient=patient, by=request.user, **serializer.validated_data)
        stored = observation_selectors.observation_get(
            user=request.user, model=self.model, observation_id=recorded.record.pk
        )
        return Response(
            self.get_serializer(stored).data,
            status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK,
        )


class ObservationViewSet(viewsets.GenericViewSet[Any]):
    """One record by id, and its correction: ``entered-in-error`` with a reason."""

    model: ClassVar[type[Observation]]

    def get_queryset(self) -> Any:
        return self.model._default_manager.none()

    def get_object(self) -> Any:
        try:
            return observation_selectors.observation_get(
                user=self.request.user, model=self.model, observation_id=self.kwargs["pk"]
            )
        except self.model.DoesNotExist as error:
            raise Http404 from error

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request: Request, pk: Any = None) -> Response:
        observation = self.get_object()
        serializer = EnteredInErrorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        observation_mark_entered_in_error(
            observation=observation, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_object()).data)


NO_ADMISSION = OpenApiResponse(
    description="The patient has no open admission, or the client_id is another patient's"
)


def list_schema(
    tag: str, serializer: Any, conflict: OpenApiResponse = NO_ADMISSION
) -> Callable[[Any], Any]:
    return extend_schema_view(
        get=extend_schema(tags=[tag], parameters=LIST_PARAMETERS),
        post=extend_schema(
            tags=[tag],
            responses={
                201: serializer,
                200: OpenApiResponse(serializer, description="Repeated client_id: the stored one"),
                400: OpenApiResponse(description="Every failing field named; nothing written"),
                409: conflict,
            },
        ),
    )


def detail_schema(tag: str, serializer: Any) -> Callable[[Any], Any]:
    return extend_schema_view(
        retrieve=extend_schema(tags=[tag]),
        entered_in_error=extend_schema(
            tags=[tag],
            request=EnteredInErrorSerializer,
            responses={200: serializer, 409: OpenApiResponse(description="Already marked")},
        ),
    )


@list_schema("vitals", VitalSignsSerializer)
class PatientVitalsView(PatientObservationsView):
    model = VitalSigns
    record = staticmethod(vitals_record)
    serializer_class = VitalSignsSerializer
    required_permissions = _permissions(VitalSigns, "add")


@detail_schema("vitals", VitalSignsSerializer)
class VitalsViewSet(ObservationViewSet):
    model = VitalSigns
    serializer_class = VitalSignsSerializer
    required_permissions = _permissions(VitalSigns, "change")


@list_schema(
    "fluids",
    FluidEntrySerializer,
    OpenApiResponse(
        FluidConflictSerializer,
        description="No open admission; a client_id of another patient's record; or an output "
        "period overlapping a recorded output of the same route (named in `overlapping`)",
    ),
)
class PatientFluidsView(PatientObservationsView):
    model = FluidEntry
    record = staticmethod(fluid_record)
    serializer_class = FluidEntrySerializer
    required_permissions = _permissions(FluidEntry, "add")


@detail_schema("fluids", FluidEntrySerializer)
class FluidsViewSet(ObservationViewSet):
    model = FluidEntry
    serializer_class = FluidEntrySerializer
    required_permissions = _permissions(FluidEntry, "change")


@list_schema("labs", LabResultSerializer)
class PatientLabsView(PatientObservationsView):
    model = LabResult
    record = staticmethod(lab_record)
    serializer_class = LabResultSerializer
    required_permissions = _permissions(LabResult, "add")


@detail_schema("labs", LabResultSerializer)
class LabsViewSet(ObservationViewSet):
    model = LabResult
    serializer_class = LabResultSerializer
    required_permissions = _permissions(LabResult, "change")


@list_schema("medications", SupportiveMedicationSerializer)
class PatientMedicationsView(PatientObservationsView):
    model = SupportiveMedication
    record = staticmethod(medication_record)
    serializer_class = SupportiveMedicationSerializer
    required_permissions = _permissions(SupportiveMedication, "add")


@detail_schema("medications", SupportiveMedicationSerializer)
class MedicationsViewSet(ObservationViewSet):
    model = SupportiveMedication
    serializer_class = SupportiveMedicationSerializer
    required_permissions = _permissions(SupportiveMedication, "change")


@list_schema("events", ClinicalEventSerializer)
class PatientEventsView(PatientObservationsView):
    model = ClinicalEvent
    record = staticmethod(event_record)
    serializer_class = ClinicalEventSerializer
    required_permissions = _permissions(ClinicalEvent, "add")


@detail_schema("events", ClinicalEventSerializer)
class EventsViewSet(ObservationViewSet):
    model = ClinicalEvent
    serializer_class = ClinicalEventSerializer
    required_permissions = _permissions(ClinicalEvent, "change")

    @extend_schema(
        tags=["events"],
        request=EventEndSerializer,
        responses={
            200: ClinicalEventSerializer,
            400: OpenApiResponse(
                description="ended_at not after the event was observed, or in the future; "
                "nothing written"
            ),
            403: OpenApiResponse(description="Not a nurse or physician"),
            404: OpenApiResponse(description="No such event, or not visible to the user"),
            409: OpenApiResponse(description="Already ended, or entered in error"),
        },
    )
    @action(detail=True, methods=["post"], url_path="end")
    def end(self, request: Request, pk: Any = None) -> Response:
        """(v2) The finding is over (e.g. sinus rhythm restored): it no longer holds doses."""
        event = self.get_object()
        serializer = EventEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event_end(event=event, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_object()).data)


# (path segment, list view, detail viewset)
KINDS = [
    ("vitals", PatientVitalsView, VitalsViewSet),
    ("fluids", PatientFluidsView, FluidsViewSet),
    ("labs", PatientLabsView, LabsViewSet),
    ("medications", PatientMedicationsView, MedicationsViewSet),
    ("events", PatientEventsView, EventsViewSet),
]
