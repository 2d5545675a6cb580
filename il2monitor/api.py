"""The v1 API: one router, mounted at /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from patients.api.views import AdmissionViewSet, PatientAdmissionsView, PatientViewSet
from therapy.api.alerts import AlertViewSet
from therapy.api.views import CourseViewSet, DoseViewSet, PatientCoursesView, PatientDosesView

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
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
