from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/admit/", views.admission_create, name="admit"),
    path("<uuid:patient_id>/discharge/", views.admission_discharge, name="discharge"),
    path("<uuid:patient_id>/move/", views.admission_move, name="move"),
]
