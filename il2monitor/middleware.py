"""Response headers and request checks that hold for every page and endpoint."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.html import escape

from il2monitor.error_views import error_response

NUL_IN_QUERY = "The query parameter '{name}' contains a NUL character (%00), which is not allowed."


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response the app makes: pages, API and FHIR carry
    patient data, which no browser, proxy or shared tablet may keep. Static files are served
    by WhiteNoise before this middleware and keep their long cache headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response


class RejectNulQueryMiddleware:
    """A NUL (``%00``) in any query parameter is a 400 before any view runs: PostgreSQL cannot
    compare a string holding one (a search or a ward filter with it was a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "%00")
                message = NUL_IN_QUERY.format(name=shown)
                return error_response(request, 400, message, field=shown) or (
                    HttpResponseBadRequest(f"<p>{escape(message)}</p>")
                )
        return self.get_response(request)
