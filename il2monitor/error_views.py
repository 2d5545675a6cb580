"""Django's error handlers (400, 403, 404, 500), in the caller's language: JSON under /api/,
a FHIR OperationOutcome (``application/fhir+json``) under /fhir/, the HTML page elsewhere.

DRF answers the errors it raises itself; these cover what happens outside a DRF view: an
unknown URL, an exception no view caught (a 500), a request Django refuses before routing.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    500: "Server error: nothing was saved by this request. Try again; if it persists, tell "
    "the administrator.",
}
# FHIR R4 issue-type codes (http://hl7.org/fhir/valueset-issue-type.html).
FHIR_ISSUE_CODES = {400: "invalid", 403: "forbidden", 404: "not-found", 500: "exception"}


def api_path(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def fhir_path(request: HttpRequest) -> bool:
    return request.path.startswith("/fhir/")


def operation_outcome_response(status: int, message: str) -> JsonResponse:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": FHIR_ISSUE_CODES.get(status, "exception"),
                "diagnostics": message,
            }
        ],
    }
    return JsonResponse(outcome, status=status, content_type="application/fhir+json")


def error_response(
    request: HttpRequest, status: int, message: str | None = None, *, field: str | None = None
) -> HttpResponse | None:
    """The JSON or FHIR answer for an /api/ or /fhir/ path; None for a page (HTML)."""
    message = message or MESSAGES[status]
    if fhir_path(request):
        return operation_outcome_response(status, message)
    if api_path(request):
        return JsonResponse({field: [message]} if field else {"detail": message}, status=status)
    return None


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 400) or defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 403) or defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 404) or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500) or defaults.server_error(request)
