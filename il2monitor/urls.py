from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from il2monitor.views import healthz, home

admin.site.site_header = "IL-2 Monitor administration"
admin.site.site_title = "IL-2 Monitor admin"

urlpatterns = [
    path("", home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", include("patients.urls")),
    path("therapy/", include("therapy.urls")),
    path("api/v1/", include(("il2monitor.api", "api"), namespace="api")),
    path("fhir/r4/", include("therapy.fhir.urls")),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
]

# JSON under /api/, OperationOutcome under /fhir/, HTML elsewhere (il2monitor.error_views).
handler400 = "il2monitor.error_views.bad_request"
handler403 = "il2monitor.error_views.permission_denied"
handler404 = "il2monitor.error_views.page_not_found"
handler500 = "il2monitor.error_views.server_error"
