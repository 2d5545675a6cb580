"""Routes of the bedside records, mounted under /api/v1/ by ``il2monitor.api``."""

from django.urls import path

from patients.api.observation_views import KINDS, EventsViewSet

urlpatterns = []
for segment, list_view, viewset in KINDS:
    urlpatterns += [
        path(
            f"patients/<uuid:patient_id>/{segment}/",
            list_view.as_view(),
            name=f"patient-{segment}",
        ),
        path(
            f"{segment}/<uuid:pk>/", viewset.as_view({"get": "retrieve"}), name=f"{segment}-detail"
        ),
        path(
            f"{segment}/<uuid:pk>/entered-in-error/",
            viewset.as_view({"post": "entered_in_error"}),
            name=f"{segment}-entered-in-error",
        ),
    ]
# (v2) An event that ends (api-contract.md, Clinical events).
urlpatterns.append(
    path("events/<uuid:pk>/end/", EventsViewSet.as_view({"post": "end"}), name="events-end")
)
