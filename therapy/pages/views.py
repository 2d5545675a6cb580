"""The clinicians' pages: the live ward board, a patient's chart, the alert inbox and the
handover print. Thin: the page read models (``board``, ``chart``, ``inbox``, ``handover`` of
this package) read, the ``alert_acknowledge`` service writes."""

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from patients.errors import ConflictError
from patients.models import Patient
from patients.selectors import patients as patient_selectors
from therapy.models import Alert
from therapy.monitor.alerts import alert_acknowledge
from therapy.monitor.selectors import alerts_visible
from therapy.pages.board import SORTS
from therapy.pages.board_cache import (
    BoardPoll,
    board_census,
    board_poll,
    cached_board,
    current_board_summary,
)
from therapy.pages.chart import WINDOWS, patient_chart
from therapy.pages.handover import handover_sheets
from therapy.pages.inbox import alert_inbox
from therapy.state.patient_state import patient_state

BOARD_PERMISSIONS = ("patients.view_patient", "therapy.view_alert")
CHART_PERMISSIONS = ("patients.view_patient", "patients.view_vitalsigns", "therapy.view_dose")
# The board polls every 30 s (IL2_BOARD_REFRESH_SECONDS); ``?refresh=`` may set 1-300 s (tests).
REFRESH_RANGE = (1, 300)
NOTE_MAX_LENGTH = 1000


def _refresh(request: HttpRequest) -> int:
    default = settings.IL2_BOARD_REFRESH_SECONDS
    try:
        seconds = int(request.GET.get("refresh", default))
    except ValueError:
        seconds = default
    return min(max(seconds, REFRESH_RANGE[0]), REFRESH_RANGE[1])


def _board_params(request: HttpRequest) -> tuple[str, str, int, str]:
    """The ward filter, the sort, the refresh and the poll's own query string."""
    ward = request.GET.get("ward", "").strip()
    sort = request.GET.get("sort", "risk")
    sort = sort if sort in SORTS else "risk"
    refresh = _refresh(request)
    query = {"ward": ward, "sort": sort}
    if "refresh" in request.GET:
        query["refresh"] = str(refresh)
    return ward, sort, refresh, urlencode(query)


@login_required
@permission_required(BOARD_PERMISSIONS, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    """The board from its kept rows (``therapy.pages.board_cache``): only rows whose state
    version is new are read and drawn."""
    ward, sort, refresh, query = _board_params(request)
    board = cached_board(user=request.user, ward=ward, sort=sort)
    board.wards = patient_selectors.wards(user=request.user)
    board.remember()  # the first poll then sends only what changed
    context = {"board": board, "refresh": refresh, "query": query}
    return render(request, "board/board.html", context)


def _signed_out_poll(request: HttpRequest, *, to_login: bool) -> HttpResponse | None:
    """A poll after the session has ended must not swap the login page into the board or
    the badge: answer 204 (htmx swaps nothing), and for the board send the whole page to the
    sign-in form, which brings the reader back to the board."""
    if request.user.is_authenticated:
        return None
    response = HttpResponse(status=204)
    if to_login:
        board_url = reverse("therapy:board")
        response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?next={board_url}"
    return response


def board_rows(request: HttpRequest) -> HttpResponse:
    """The changed rows, the status line and the badge, for the board's own polling (htmx)."""
    return _signed_out_poll(request, to_login=True) or _board_rows(request)


@login_required
@permission_required(BOARD_PERMISSIONS, raise_exception=True)
def _board_rows(request: HttpRequest) -> HttpResponse:
    """The poll: ``token`` names the board the reader has; the answer is what differs —
    nothing but the status line and the badge when the census and the kept summary say the
    reader's board is current (no row is read)."""
    ward, sort, refresh, query = _board_params(request)
    token = request.GET.get("token", "")
    census = board_census(user=request.user, ward=ward)
    board: Any = current_board_summary(census=census, sort=sort, token=token)
    poll = BoardPoll()
    if board is None:
        board = cached_board(user=request.user, ward=ward, sort=sort, census=census)
        poll = board_poll(board, token)
    context = {"board": board, "poll": poll, "refresh": refresh, "query": query}
    return render(request, "board/_poll.html", context)


@login_required
@permission_required(CHART_PERMISSIONS, raise_exception=True)
def chart(request: HttpRequest, patient_id: Any) -> HttpResponse:
    try:
        patient = patient_selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404("No such patient.") from error
    state = patient_state(patient=patient)
    drawn = patient_chart(state=state, window=request.GET.get("window", "72h"))
    return render(
        request,
        "chart/chart.html",
        {"chart": drawn, "state": state, "patient": patient, "windows": WINDOWS},
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say what was done (for example, who was informed) before acknowledging.",
            "max_length": f"Keep the note under {NOTE_MAX_LENGTH} characters.",
        },
    )


def _inbox_filters(data: Any) -> dict[str, str]:
    """The inbox's ward and patient filters (a malformed patient id is a 404)."""
    filters = {"ward": data.get("ward", "").strip(), "patient": data.get("patient", "").strip()}
    if filters["patient"]:
        try:
            uuid.UUID(filters["patient"])
        except ValueError as error:
            raise Http404("No such patient.") from error
    return {key: value for key, value in filters.items() if value}


def _inbox_page(
    request: HttpRequest, filters: dict[str, str], status: int = 200, **context: Any
) -> HttpResponse:
    inbox = alert_inbox(
        user=request.user, ward=filters.get("ward", ""), patient_id=filters.get("patient")
    )
    return render(
        request,
        "alerts/inbox.html",
        {"inbox": inbox, "filters": filters, "query": urlencode(filters), **context},
        status=status,
    )


@login_required
@permission_required("therapy.view_alert", raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    return _inbox_page(request, _inbox_filters(request.GET))


@login_required
@permission_required("therapy.acknowledge_alert", raise_exception=True)
@require_POST
def alert_acknowledge_view(request: HttpRequest, alert_id: Any) -> HttpResponse:
    """Acknowledge with a note; bad input or a stale page re-shows the inbox with the reason,
    and writes nothing."""
    try:
        alert = alerts_visible(user=request.user).get(pk=alert_id)
    except Alert.DoesNotExist as error:
        raise Http404("No such alert.") from error
    filters = _inbox_filters(request.POST)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _inbox_page(request, filters, 400, failed=alert.pk, form=form)
    try:
        alert_acknowledge(
            alert=alert, by=request.user, note=form.cleaned_data["note"], now=timezone.now()
        )
    except ConflictError as error:
        # Someone else acted first: the page shows the alert as it now stands.
        messages.error(request, " ".join(error.messages) + " Nothing was changed.")
        return _inbox_page(request, filters, 409)
    messages.success(
        request, f"{alert.get_kind_display()} for {alert.patient.full_name} acknowledged."
    )
    url = reverse("therapy:alert-inbox")
    return redirect(f"{url}?{urlencode(filters)}" if filters else url)


def alert_badge(request: HttpRequest) -> HttpResponse:
    """The header badge, re-read every minute by every page."""
    return _signed_out_poll(request, to_login=False) or render(request, "alerts/_badge.html")


@login_required
@permission_required(BOARD_PERMISSIONS, raise_exception=True)
def handover(request: HttpRequest) -> HttpResponse:
    ward = request.GET.get("ward", "").strip()
    return render(
        request,
        "handover/handover.html",
        {
            "sheets": handover_sheets(user=request.user, ward=ward),
            "ward": ward,
            "printed_at": timezone.now(),
        },
    )
