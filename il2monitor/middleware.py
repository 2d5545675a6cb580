"""Response headers and request checks that hold for every page and endpoint."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.html import escape

from il2monitor.error_views import api_path, error_response, fhir_path

NUL_IN_QUERY = "The query parameter '{name}' contains a NUL character (%00), which is not allowed."
NUL_IN_FORM = "The form field '{name}' contains a NUL character, which is not allowed."


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


def _with_nul(data: QueryDict) -> str | None:
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "%00")
    return None


class RejectNulMiddleware:
    """A NUL in any query parameter, or in any field of a page's form, is a 400 before any view
    runs. PostgreSQL cannot compare or store a string holding one (a search or a ward filter
    with it was a 500), and Python's datetime parser ignores what follows one, so a form's
    "2026-11-30T10:00\\x00junk" would be read as a valid time. (API bodies are JSON, checked by
    il2monitor.parsers.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _with_nul(request.GET)
        message = NUL_IN_QUERY.format(name=name) if name is not None else None
        page = not (api_path(request) or fhir_path(request))
        if message is None and request.method == "POST" and page:
            name = _with_nul(request.POST)
            message = NUL_IN_FORM.format(name=name) if name is not None else None
        if name is None or message is None:
            return self.get_response(request)
        return error_response(request, 400, message, field=name) or HttpResponseBadRequest(
            f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{escape(message)}</p>"
        )
