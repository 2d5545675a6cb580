from django.urls import path

from therapy.pages import dose_views as views
from therapy.pages import views as pages

app_name = "therapy"

urlpatterns = [
    path("patients/<uuid:patient_id>/doses/", views.dose_panel, name="dose-panel"),
    path("patients/<uuid:patient_id>/course/new/", views.course_order, name="course-order"),
    path("doses/<uuid:dose_id>/give/", views.dose_give, name="dose-give"),
    path("doses/<uuid:dose_id>/hold/", views.dose_hold, name="dose-hold"),
    path(
        "courses/<uuid:course_id>/discontinue/", views.course_discontinue, name="course-discontinue"
    ),
    # Clinician pages (issue 7): board, chart, alert inbox, handover.
    path("board/", pages.board, name="board"),
    path("board/rows/", pages.board_rows, name="board-rows"),
    path("patients/<uuid:patient_id>/chart/", pages.chart, name="chart"),
    path("alerts/", pages.alert_list, name="alert-inbox"),
    path("alerts/badge/", pages.alert_badge, name="alert-badge"),
    path(
        "alerts/<uuid:alert_id>/acknowledge/",
        pages.alert_acknowledge_view,
        name="alert-acknowledge",
    ),
    path("handover/", pages.handover, name="handover"),
]
