from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from il2monitor.roles import NURSE, user_roles


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the container healthcheck: the process answers and the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user starts: a nurse at the bedside work list (what is due for each
    patient), a clinician who may see alerts at the ward board, anyone else at the patients."""
    user = request.user
    if NURSE in user_roles(user) and user.has_perm("patients.add_vitalsigns"):
        return redirect("patients:bedside")
    if user.has_perms(("patients.view_patient", "therapy.view_alert")):
        return redirect("therapy:board")
    return redirect("patients:list")
