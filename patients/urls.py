from django.urls import path

from patients import views
from patients.bedside import views as bedside

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("bedside/", bedside.ward_board, name="bedside"),
    path("<uuid:patient_id>/bedside/", bedside.patient_bedside, name="bedside-patient"),
    path("<uuid:patient_id>/bedside/vitals/", bedside.vitals_entry, name="bedside-vitals"),
    path("<uuid:patient_id>/bedside/fluids/", bedside.fluid_entry, name="bedside-fluids"),
    path("<uuid:patient_id>/bedside/weight/", bedside.weight_entry, name="bedside-weight"),
    path("<uuid:patient_id>/bedside/labs/", bedside.lab_entry, name="bedside-labs"),
    path(
        "<uuid:patient_id>/bedside/medications/",
        bedside.medication_entry,
        name="bedside-medications",
    ),
    path("<uuid:patient_id>/bedside/events/", bedside.event_entry, name="bedside-events"),
    path("events/<uuid:event_id>/end/", bedside.event_end_entry, name="event-end"),
    path(
        "<uuid:patient_id>/bedside/vitals/<uuid:vitals_id>/entered-in-error/",
        bedside.vitals_entered_in_error,
        name="bedside-vitals-error",
    ),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/admit/", views.admission_create, name="admit"),
    path("<uuid:patient_id>/discharge/", views.admission_discharge, name="discharge"),
    path("<uuid:patient_id>/move/", views.admission_move, name="move"),
]
