from django.urls import path

from therapy import views

app_name = "therapy"

urlpatterns = [
    path("patients/<uuid:patient_id>/doses/", views.dose_panel, name="dose-panel"),
    path("patients/<uuid:patient_id>/course/new/", views.course_order, name="course-order"),
    path("doses/<uuid:dose_id>/give/", views.dose_give, name="dose-give"),
    path("doses/<uuid:dose_id>/hold/", views.dose_hold, name="dose-hold"),
    path(
        "courses/<uuid:course_id>/discontinue/", views.course_discontinue, name="course-discontinue"
    ),
]
