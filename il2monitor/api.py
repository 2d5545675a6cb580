"""The v1 API: one router, mounted at /api/v1/."""

from typing import Any, NoReturn

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from patients.api.views import AdmissionViewSet, PatientAdmissionsView, PatientViewSet
from patients.hl7.views import Hl7V2View
from therapy.api.alerts import AlertViewSet
from therapy.api.summary import PatientSummaryView, WardSummariesView
from therapy.api.views import CourseViewSet, DoseViewSet, PatientCoursesView, PatientDosesView


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other path under /api/v1/ ending in a slash (a malformed id, say): a JSON 404 after
    authentication, like every endpoint, instead of Django's HTML page."""

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "put", "patch", "delete"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotFound

    post = put = patch = delete = get


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("patients", PatientViewSet, basename="patient")
router.register("admissions", AdmissionViewSet, basename="admission")
router.register("courses", CourseViewSet, basename="course")
router.register("doses", DoseViewSet, basename="dose")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("patients.api.observation_urls")),
    path(
        "patients/<uuid:patient_id>/admissions/",
        PatientAdmissionsView.as_view(),
        name="patient-admissions",
    ),
    path(
        "patients/<uuid:patient_id>/courses/", PatientCoursesView.as_view(), name="patient-courses"
    ),
    path("patients/<uuid:patient_id>/doses/", PatientDosesView.as_view(), name="patient-doses"),
    path(
        "patients/<uuid:patient_id>/summary/",
        PatientSummaryView.as_view(),
        name="patient-summary",
    ),
    path("summaries/", WardSummariesView.as_view(), name="summaries"),
    path("hl7/v2/", Hl7V2View.as_view(), name="hl7-v2"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from a URL: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # ReDoc styles itself with injected <style> elements and searches in a blob: worker; the
    # rest of the policy (scripts from this server only) holds on its page too.
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    re_path(r"^.*/$", NotFoundView.as_view(), name="not-found"),  # keep last
]
