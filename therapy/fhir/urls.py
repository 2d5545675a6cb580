"""FHIR R4 routes, mounted at /fhir/r4/ by ``il2monitor.urls``."""

from django.urls import path

from therapy.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.CapabilityView.as_view(), name="metadata"),
    path("Patient/<str:patient_id>", views.PatientReadView.as_view(), name="patient"),
    path(
        "Patient/<str:patient_id>/$summary",
        views.PatientSummaryDocumentView.as_view(),
        name="patient-summary",
    ),
    path("Observation", views.ObservationSearchView.as_view(), name="observation-search"),
    path(
        "MedicationAdministration",
        views.MedicationAdministrationSearchView.as_view(),
        name="medication-administration-search",
    ),
    path("Flag", views.FlagSearchView.as_view(), name="flag-search"),
    path("<path:rest>", views.UnknownView.as_view(), name="unknown"),
]
