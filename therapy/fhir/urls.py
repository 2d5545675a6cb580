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
    path("Patient", views.PatientSearchView.as_view(), name="patient-search"),
    path("Observation", views.ObservationSearchView.as_view(), name="observation-search"),
    path(
        "Observation/<str:resource_id>",
        views.ObservationReadView.as_view(),
        name="observation",
    ),
    path(
        "MedicationAdministration/<str:resource_id>",
        views.MedicationAdministrationReadView.as_view(),
        name="medication-administration",
    ),
    path("Flag/<str:resource_id>", views.FlagReadView.as_view(), name="flag"),
    path("Condition/<str:resource_id>", views.ConditionReadView.as_view(), name="condition"),
    path(
        "MedicationAdministration",
        views.MedicationAdministrationSearchView.as_view(),
        name="medication-administration-search",
    ),
    path("Flag", views.FlagSearchView.as_view(), name="flag-search"),
    path("Condition", views.ConditionSearchView.as_view(), name="condition-search"),
    path("<path:rest>", views.UnknownView.as_view(), name="unknown"),
]
