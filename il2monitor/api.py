"""The v1 API: one router, mounted at /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from patients.api.views import AdmissionViewSet, PatientAdmissionsView, PatientViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("patients", PatientViewSet, basename="patient")
router.register("admissions", AdmissionViewSet, basename="admission")

urlpatterns = [
    path("", include(router.urls)),
    path(
        "patients/<uuid:patient_id>/admissions/",
        PatientAdmissionsView.as_view(),
        name="patient-admissions",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
