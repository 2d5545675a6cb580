from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from il2monitor.listing import ListTimes, time_filtered, time_parameters
from patients.models import Patient
from patients.selectors import patients as patient_selectors
from therapy.api.serializers import (
    AdministerSerializer,
    CourseOrderSerializer,
    CourseSerializer,
    DoseSerializer,
    HoldSerializer,
    PrecheckSerializer,
    ReasonSerializer,
)
from therapy.mar import courses
from therapy.mar import selectors as mar_selectors
from therapy.mar.verifier import VerificationBlocked, verifier_confirm
from therapy.models import Course, Dose


def _patient(request: Request, patient_id: Any) -> Patient:
    try:
        return patient_selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404 from error


# Clinical time and entry time of the lists (il2monitor.listing). A course is entered when it
# is ordered; a dose row changes as it is given or held: its "recorded" time is its last change.
COURSE_TIMES = ListTimes(clinical="cycle_1_start", entered="ordered_at")
DOSE_TIMES = ListTimes(clinical="scheduled_at", entered="updated_at")


@extend_schema(tags=["therapy"])
class PatientCoursesView(generics.ListCreateAPIView[Course]):
    """A patient's IL-2 courses. POST (physicians) orders one and schedules its doses."""

    serializer_class = CourseSerializer
    queryset = Course.objects.none()
    required_permissions = {
        "GET": ["therapy.view_course"],
        "HEAD": ["therapy.view_course"],
        "POST": ["therapy.add_course"],
    }

    def get_queryset(self) -> Any:
        courses_ = mar_selectors.courses_of(
            patient=_patient(self.request, self.kwargs["patient_id"])
        )
        if self.request.method not in ("GET", "HEAD"):
            return courses_
        return time_filtered(self.request, self, courses_, COURSE_TIMES)

    @extend_schema(parameters=time_parameters(COURSE_TIMES))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CourseOrderSerializer,
        responses={201: CourseSerializer, 409: None},
        description=(
            "400 naming the field for a dose per kg outside the rule profile's bounds, a "
            "cycle 1 start more than 24 h past or more than 30 days ahead, or a cycle 2 start "
            "before cycle 1's last dose or more than 28 days after its start (rule-profile "
            "defaults). 409 when the patient already has an active course."
        ),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = _patient(request, kwargs["patient_id"])
        serializer = CourseOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = courses.course_order(patient=patient, by=request.user, **serializer.validated_data)
        return Response(
            CourseSerializer(mar_selectors.courses_of(patient=patient).get(pk=course.pk)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["therapy"])
class PatientDosesView(generics.ListAPIView[Dose]):
    """Every scheduled dose of the patient's courses, in order."""

    serializer_class = DoseSerializer
    queryset = Dose.objects.none()
    required_permissions = {"GET": ["therapy.view_dose"], "HEAD": ["therapy.view_dose"]}

    def get_queryset(self) -> Any:
        doses = mar_selectors.doses_of(patient=_patient(self.request, self.kwargs["patient_id"]))
        return time_filtered(self.request, self, doses, DOSE_TIMES)

    @extend_schema(parameters=time_parameters(DOSE_TIMES))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["therapy"])
class CourseViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Course]):
    serializer_class = CourseSerializer
    queryset = Course.objects.none()
    required_permissions = {
        "GET": ["therapy.view_course"],
        "HEAD": ["therapy.view_course"],
        "POST": ["therapy.discontinue_course"],
    }

    def get_queryset(self) -> Any:
        return mar_selectors.courses_visible(user=self.request.user)

    @extend_schema(request=ReasonSerializer, responses={200: CourseSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def discontinue(self, request: Request, pk: str | None = None) -> Response:
        course = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        courses.course_discontinue(course=course, by=request.user, **serializer.validated_data)
        return Response(CourseSerializer(self.get_queryset().get(pk=course.pk)).data)


@extend_schema(tags=["therapy"])
class DoseViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Dose]):
    serializer_class = DoseSerializer
    queryset = Dose.objects.none()
    required_permissions = {
        "GET": ["therapy.view_dose"],
        "HEAD": ["therapy.view_dose"],
        "POST": ["therapy.administer_dose"],
    }

    def get_queryset(self) -> Any:
        return mar_selectors.doses_visible(user=self.request.user)

    def _reply(self, dose: Dose) -> Response:
        return Response(DoseSerializer(self.get_queryset().get(pk=dose.pk)).data)

    @extend_schema(responses={200: PrecheckSerializer})
    @action(detail=True, methods=["get"])
    def precheck(self, request: Request, pk: str | None = None) -> Response:
        """The hold-criteria check for this dose now, with every criterion's reasons."""
        result = courses.dose_check(dose=self.get_object())
        return Response(result.to_dict())

    @extend_schema(
        request=AdministerSerializer,
        responses={200: DoseSerializer, 409: None},
        description=(
            "The pre-dose check is computed when the server records the dose, over everything "
            "recorded by then, whatever `given_at` says, and is stored with the dose. 400 "
            "naming `given_at` when it is in the future, more than 60 min before now, before "
            "the course's previous decision or more than 2 h before the dose's time; 400 on "
            "`verifier` when the second checker cannot be confirmed (one message for every "
            "reason). 409 when the check is not `give` (unless a physician overrides), when "
            "the previous dose was given less than 7 h before, or the dose is not the next "
            "due one (60 min and 7 h: rule-profile defaults). 429 when this user's "
            "confirmations by that checker failed too often."
        ),
    )
    @action(detail=True, methods=["post"])
    def administer(self, request: Request, pk: str | None = None) -> Response:
        dose = self.get_object()
        serializer = AdministerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            verifier = verifier_confirm(
                by=request.user,
                username=data["verifier"]["username"],
                password=data["verifier"]["password"],
            )
        except VerificationBlocked as blocked:
            raise Throttled(wait=blocked.seconds_left(), detail=blocked.message) from blocked
        dose = courses.dose_administer(
            dose=dose,
            by=request.user,
            verifier=verifier,
            given_at=data["given_at"],
            override_reason=data["override_reason"],
        )
        return self._reply(dose)

    @extend_schema(
        request=HoldSerializer,
        responses={200: DoseSerializer, 409: None},
        description=(
            "Held now; the pre-dose check computed as the hold is recorded is stored with it. "
            "400 naming `held_at` more than 2 h before the dose's time, unless a physician "
            "documents an early decision with `early_reason` (403 for anyone else; 400 naming "
            "`early_reason` once the window is open). An early give does not exist: "
            "`administer` stays refused before the window. 409 when the dose is already "
            "decided or not the next due one."
        ),
    )
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, pk: str | None = None) -> Response:
        dose = self.get_object()
        serializer = HoldSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._reply(
            courses.dose_hold(dose=dose, by=request.user, **serializer.validated_data)
        )

    @extend_schema(request=ReasonSerializer, responses={200: DoseSerializer, 409: None})
    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request: Request, pk: str | None = None) -> Response:
        dose = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._reply(
            courses.dose_mark_entered_in_error(
                dose=dose, by=request.user, **serializer.validated_data
            )
        )
