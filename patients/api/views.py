from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from il2monitor.listing import ListTimes, time_filtered, time_parameters
from patients.api.serializers import (
    AdmissionMoveSerializer,
    AdmissionSerializer,
    DischargeSerializer,
    PatientSerializer,
)
from patients.models import Admission, Patient
from patients.selectors import patients as selectors
from patients.services import patients as services


class PatientListFilterSerializer(serializers.Serializer[Any]):
    """The list's filters, as typed: DRF refuses a NUL character, which PostgreSQL cannot
    compare (a 500 before; tests/test_api_fuzz.py sends one to every query parameter)."""

    search = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False
    )
    ward = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False
    )


# A patient has no clinical time (since/until refused); a stay's is its admission.
PATIENT_TIMES = ListTimes(clinical=None, entered="created_at")
ADMISSION_TIMES = ListTimes(clinical="admitted_at", entered="created_at")


@extend_schema(tags=["patients"])
class PatientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Patient],
):
    """Patients. Clinical records are never deleted through the API."""

    serializer_class = PatientSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Patient.objects.none()  # for permissions and the schema; real reads below

    def get_queryset(self) -> Any:
        filters = PatientListFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)  # a NUL in a filter is a 400, not a 500
        patients = selectors.patient_list(user=self.request.user, **filters.validated_data)
        if self.action != "list":
            return patients
        return time_filtered(self.request, self, patients, PATIENT_TIMES)

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Words matched against MRN and names."),
            OpenApiParameter("ward", str, description="Only patients admitted to this ward."),
            *time_parameters(PATIENT_TIMES),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Patient]) -> None:
        serializer.instance = services.patient_register(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Patient]) -> None:
        assert serializer.instance is not None  # an update is of a stored patient
        serializer.instance = services.patient_update(
            patient=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = selectors.patient_get(
            user=self.request.user, patient_id=serializer.instance.pk
        )


@extend_schema(tags=["admissions"])
class PatientAdmissionsView(generics.ListCreateAPIView[Admission]):
    """A patient's inpatient stays. POST opens one (409 if one is already open)."""

    serializer_class = AdmissionSerializer
    queryset = Admission.objects.none()

    def get_patient(self) -> Patient:
        try:
            return selectors.patient_get(
                user=self.request.user, patient_id=self.kwargs["patient_id"]
            )
        except Patient.DoesNotExist as error:
            raise Http404 from error

    def get_queryset(self) -> Any:
        admissions = self.get_patient().admissions.order_by("-admitted_at")
        if self.request.method not in ("GET", "HEAD"):
            return admissions
        return time_filtered(self.request, self, admissions, ADMISSION_TIMES)

    @extend_schema(parameters=time_parameters(ADMISSION_TIMES))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: AdmissionSerializer, 409: None})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        admission = services.admission_open(
            patient=patient, by=request.user, **serializer.validated_data
        )
        return Response(AdmissionSerializer(admission).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["admissions"])
class AdmissionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Admission]):
    serializer_class = AdmissionSerializer
    queryset = Admission.objects.none()
    required_permissions = {
        "GET": ["patients.view_admission"],
        "HEAD": ["patients.view_admission"],
        "POST": ["patients.change_admission"],
    }

    def get_queryset(self) -> Any:
        visible = selectors.patient_list(user=self.request.user)
        return Admission.objects.filter(patient__in=visible)

    @extend_schema(request=DischargeSerializer, responses={200: AdmissionSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def discharge(self, request: Request, pk: str | None = None) -> Response:
        admission = self.get_object()
        serializer = DischargeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        admission = services.admission_discharge(
            admission=admission, by=request.user, **serializer.validated_data
        )
        return Response(AdmissionSerializer(admission).data)

    @extend_schema(request=AdmissionMoveSerializer, responses={200: AdmissionSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        admission = self.get_object()
        serializer = AdmissionMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        admission = services.admission_move_bed(
            admission=admission, by=request.user, **serializer.validated_data
        )
        return Response(AdmissionSerializer(admission).data)
