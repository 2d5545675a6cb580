"""Tablet pages for bedside entry: the ward board, a patient's bedside hub, and the vital-signs,
fluid and daily-weight forms. Thin: forms check, services write, selectors read.

A form posts through htmx and the answer replaces the form in place: the same form with its
messages (400), the alarming-value confirmation, or the saved result with NEWS2. If the
network fails, nothing is replaced: the page keeps what was typed and retries with the same
``client_id`` (static/js/bedside.js), which the service turns into a read of the stored row.
"""

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from il2monitor.htmx import HtmxHttpRequest
from patients.bedside.forms import (
    FORM_VASOPRESSORS,
    EnteredInErrorForm,
    EventEndForm,
    EventEntryForm,
    FluidEntryForm,
    LabEntryForm,
    MedicationEntryForm,
    VitalSignsForm,
    WeightForm,
)
from patients.errors import ConflictError
from patients.models import ClinicalEvent, Patient, VitalSigns
from patients.monitor_status import attach_work_lists
from patients.news2 import INPUT_FIELDS as NEWS2_INPUT_FIELDS
from patients.selectors import observations as observation_selectors
from patients.selectors import patients as selectors
from patients.services.observations import (
    event_end,
    event_record,
    fluid_record,
    lab_record,
    medication_record,
)
from patients.services.recording import observation_mark_entered_in_error
from patients.services.vitals import vitals_record

# RCP Chart 3 clinical risk and response, paraphrased [S15].
BAND_RESPONSES = {
    "low": ("Low", "Ward-based response."),
    "low_medium": (
        "Low–medium",
        "A single parameter scored 3: urgent ward-based response, inform the medical team.",
    ),
    "medium": ("Medium", "Urgent response: inform the medical team now."),
    "high": (
        "High",
        "Emergency response: inform the medical team immediately; consider critical care.",
    ),
}
NEWS2_LABELS = {
    "respiratory_rate": "Respiratory rate",
    "spo2": "SpO2",
    "air_or_oxygen": "Air or oxygen",
    "systolic_bp": "Systolic BP",
    "heart_rate": "Heart rate",
    "consciousness": "Consciousness",
    "temperature": "Temperature",
}


def _patient_or_404(request: HttpRequest, patient_id: Any) -> Patient:
    try:
        return selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404("No such patient.") from error


def _render(
    request: HtmxHttpRequest, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Only the entry for htmx (it swaps it in place); the whole page otherwise."""
    context = {**context, "partial": partial}
    template = partial if request.htmx else "bedside/entry_page.html"
    return render(request, template, context, status=status)


def _now_local() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


def _entry(
    request: HtmxHttpRequest,
    patient: Patient,
    form: Any,
    *,
    form_partial: str,
    result_partial: str,
    write: Callable[..., Any],
    title: str,
    result_context: Callable[[Any, Patient], dict[str, Any]] | None = None,
    check_alarms: bool = False,
) -> HttpResponse:
    context: dict[str, Any] = {
        "patient": patient,
        "admission": selectors.open_admission(patient),
        "form": form,
        "title": title,
    }
    if not form.is_valid():
        return _render(request, form_partial, context, status=400)
    if isinstance(form, VitalSignsForm) and not form.data.get("confirm_partial"):
        missing = partial_set_missing(form)
        if missing:
            # Issue 14 item 4: a partial set is saved unscored only once the nurse says so.
            context.update(partial_missing=missing_words(missing))
            return _render(request, form_partial, context)
    if check_alarms:
        alarms = form.alarms(baseline_weight_kg=patient.baseline_weight_kg)
        if not form.confirmed(alarms):
            context.update(
                alarms=alarms,
                signature=form.signature(alarms),
                alarm_fields={alarm.field for alarm in alarms},
            )
            return _render(request, form_partial, context)
    try:
        recorded = write(patient=patient, by=request.user, **form.service_kwargs())
    except ValidationError as error:
        status = 409 if isinstance(error, ConflictError) else 400
        if hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            form.add_error(None, error.messages)
        return _render(request, form_partial, context, status=status)
    context.update(record=recorded.record, created=recorded.created)
    if result_context is not None:
        context.update(result_context(recorded.record, patient))
    return _render(request, result_partial, context, status=201 if recorded.created else 200)


# --- Ward board and bedside hub -----------------------------------------------------------
@login_required
@permission_required("patients.add_vitalsigns", raise_exception=True)
def ward_board(request: HttpRequest) -> HttpResponse:
    ward = request.GET.get("ward", "").strip()
    return render(
        request,
        "bedside/ward.html",
        {
            "beds": attach_work_lists(
                observation_selectors.ward_board(user=request.user, ward=ward)
            ),
            "ward": ward,
            "wards": selectors.wards(user=request.user),
        },
    )


@login_required
@permission_required("patients.add_vitalsigns", raise_exception=True)
def patient_bedside(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    latest = observation_selectors.latest_vitals(patient=patient, with_news2=True)
    return render(
        request,
        "bedside/patient.html",
        {
            "patient": patient,
            "admission": selectors.open_admission(patient),
            "latest": latest,
            "band": BAND_RESPONSES.get(latest.news2_band or "") if latest else None,
            "recent": observation_selectors.recent_vitals(patient=patient, hours=24),
            "urine_8h": observation_selectors.urine_output_ml(patient=patient, hours=8),
            "balances": observation_selectors.fluid_balance(patient=patient),
            "error_form": EnteredInErrorForm(),
        },
    )


@login_required
@permission_required("patients.change_vitalsigns", raise_exception=True)
@require_http_methods(["POST"])
def vitals_entered_in_error(request: HttpRequest, patient_id: Any, vitals_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    try:
        vitals = observation_selectors.observation_get(
            user=request.user, model=VitalSigns, observation_id=vitals_id
        )
    except VitalSigns.DoesNotExist as error:
        raise Http404("No such vital-signs set.") from error
    if vitals.patient_id != patient.pk:
        raise Http404("No such vital-signs set.")
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason this set is wrong.")
        return redirect("patients:bedside-patient", patient_id=patient.pk)
    try:
        observation_mark_entered_in_error(
            observation=vitals, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        taken = timezone.localtime(vitals.taken_at)
        messages.success(request, f"The set taken at {taken:%H:%M} is marked entered in error.")
    return redirect("patients:bedside-patient", patient_id=patient.pk)


# --- (v2) An event that ends -----------------------------------------------------------------
def _end_ids(event: ClinicalEvent) -> str:
    """Ids of the end form's fields, one set per event: the form opens inside pages that have
    their own "Note" (the events entry form), and a label must find its own field."""
    return f"end-{event.pk}-%s"


@login_required
@permission_required("patients.change_clinicalevent", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_end_entry(request: HtmxHttpRequest, event_id: Any) -> HttpResponse:
    """The chart's "End" action on a clinical event (a nurse or physician): a small form, then
    the ended event in place. Without htmx the page goes back to the patient's chart."""
    try:
        event = observation_selectors.observation_get(
            user=request.user, model=ClinicalEvent, observation_id=event_id
        )
    except ClinicalEvent.DoesNotExist as error:
        raise Http404("No such clinical event.") from error
    if request.method == "GET":
        form = EventEndForm(initial={"ended_at": _now_local()}, auto_id=_end_ids(event))
        return render(request, "bedside/_event_end.html", {"event": event, "form": form})
    form = EventEndForm(request.POST, auto_id=_end_ids(event))
    status = 400
    if form.is_valid():
        try:
            event = event_end(
                event=event,
                by=request.user,
                ended_at=form.cleaned_data["ended_at"],
                note=form.cleaned_data["note"],
            )
        except ConflictError as error:
            status = 409
            form.add_error(None, error.messages)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        context = {"event": event, "form": form}
        return render(request, "bedside/_event_end.html", context, status=status)
    if not request.htmx:
        return redirect("therapy:chart", patient_id=event.patient_id)
    return render(request, "bedside/_event_end.html", {"event": event, "form": None})


# --- Vital signs --------------------------------------------------------------------------
def vitals_initial(patient: Patient) -> dict[str, Any]:
    """A new entry: its own client_id, the time now, and the vasopressors of the last set
    pre-filled (the nurse checks the pumps and changes what changed)."""
    initial: dict[str, Any] = {
        "client_id": uuid.uuid4(),
        "taken_at": _now_local(),
        "vasopressors_running": "none",
    }
    latest = observation_selectors.latest_vitals(patient=patient)
    running = list(latest.vasopressors.all()) if latest else []
    offered = {str(agent) for agent, _ in FORM_VASOPRESSORS}
    for infusion in running:
        if infusion.agent in offered:
            initial["vasopressors_running"] = "running"
            initial[f"{infusion.agent}_dose"] = infusion.dose.normalize()
            initial[f"{infusion.agent}_unit"] = infusion.dose_unit
    return initial


def news2_rows(vitals: VitalSigns) -> list[tuple[str, str | None, int | None]]:
    """(parameter, value as measured, subscore) for the result table, in Chart 1 order."""
    scale = " (scale 2)" if vitals.news2_spo2_scale == 2 else ""
    shown: dict[str, str | None] = {
        "respiratory_rate": _unit(vitals.respiratory_rate, "/min"),
        "spo2": None if vitals.spo2 is None else f"{vitals.spo2} %{scale}",
        "air_or_oxygen": vitals.get_oxygen_device_display() if vitals.oxygen_device else None,
        "systolic_bp": _unit(vitals.systolic_bp, "mmHg"),
        "heart_rate": _unit(vitals.heart_rate, "/min"),
        "consciousness": vitals.get_consciousness_display() if vitals.consciousness else None,
        "temperature": _unit(vitals.temperature_c, "°C"),
    }
    if vitals.oxygen_flow_l_min is not None and shown["air_or_oxygen"]:
        shown["air_or_oxygen"] = f"{shown['air_or_oxygen']}, {vitals.oxygen_flow_l_min} L/min"
    if vitals.diastolic_bp is not None and vitals.systolic_bp is not None:
        shown["systolic_bp"] = f"{vitals.systolic_bp}/{vitals.diastolic_bp} mmHg"
    subscores = vitals.news2_subscores
    return [(label, shown[key], subscores.get(key)) for key, label in NEWS2_LABELS.items()]


def _unit(value: object, unit: str) -> str | None:
    return None if value is None else f"{value} {unit}"


NEWS2_INPUT_WORDS = {
    "respiratory_rate": "respiratory rate",
    "spo2": "SpO2",
    "oxygen_device": "air or oxygen",
    "systolic_bp": "systolic BP",
    "heart_rate": "heart rate",
    "consciousness": "ACVPU",
    "temperature_c": "temperature",
}


def missing_words(names: Any) -> list[str]:
    return [NEWS2_INPUT_WORDS.get(name, name.replace("_", " ")) for name in names]


def partial_set_missing(form: VitalSignsForm) -> list[str]:
    """The NEWS2 inputs a set with at least one of them leaves out (a weight-only entry is
    not a partial set: it is asked nothing)."""
    data = form.cleaned_data
    given = [name for name in NEWS2_INPUT_FIELDS if data.get(name) not in (None, "")]
    if not given or len(given) == len(NEWS2_INPUT_FIELDS):
        return []
    return [name for name in NEWS2_INPUT_FIELDS if name not in given]


def vitals_result_context(vitals: VitalSigns, patient: Patient) -> dict[str, Any]:
    return {
        "news2_rows": news2_rows(vitals),
        "band": BAND_RESPONSES.get(vitals.news2_band or ""),
        "missing": missing_words(vitals.news2_missing),
        "vasopressors": list(vitals.vasopressors.all()),
    }


@login_required
@permission_required("patients.add_vitalsigns", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vitals_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    title = "Vital signs"
    if request.method == "GET":
        form = VitalSignsForm(initial=vitals_initial(patient))
        context = {
            "patient": patient,
            "admission": selectors.open_admission(patient),
            "form": form,
            "title": title,
        }
        return _render(request, "bedside/_vitals_form.html", context)
    return _entry(
        request,
        patient,
        VitalSignsForm(request.POST),
        form_partial="bedside/_vitals_form.html",
        result_partial="bedside/_vitals_result.html",
        write=vitals_record,
        title=title,
        result_context=vitals_result_context,
        check_alarms=True,
    )


# --- Daily weight -------------------------------------------------------------------------
@login_required
@permission_required("patients.add_vitalsigns", raise_exception=True)
@require_http_methods(["GET", "POST"])
def weight_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    title = "Daily weight"
    if request.method == "GET":
        form = WeightForm(initial={"client_id": uuid.uuid4(), "taken_at": _now_local()})
        context = {
            "patient": patient,
            "admission": selectors.open_admission(patient),
            "form": form,
            "title": title,
        }
        return _render(request, "bedside/_weight_form.html", context)
    return _entry(
        request,
        patient,
        WeightForm(request.POST),
        form_partial="bedside/_weight_form.html",
        result_partial="bedside/_weight_result.html",
        write=vitals_record,
        title=title,
        result_context=lambda record, patient: {
            "change": weight_change_percent(record.weight_kg, patient.baseline_weight_kg)
        },
        check_alarms=True,
    )


def weight_change_percent(weight: Decimal | None, baseline: Decimal) -> Decimal | None:
    if weight is None or not baseline:
        return None
    return ((weight - baseline) / baseline * 100).quantize(Decimal("0.1"))


# --- Fluids -------------------------------------------------------------------------------
@login_required
@permission_required("patients.add_fluidentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def fluid_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    title = "Fluid in / out"
    if request.method == "GET":
        now = _now_local()
        form = FluidEntryForm(
            initial={
                "client_id": uuid.uuid4(),
                "direction": "output",
                "route": "urine",
                "period_start": now - timedelta(hours=1),
                "period_end": now,
            }
        )
        context = {
            "patient": patient,
            "admission": selectors.open_admission(patient),
            "form": form,
            "title": title,
            # What this shift and the last 24 h hold so far, before the entry is typed.
            "balances": observation_selectors.fluid_balance(patient=patient),
        }
        return _render(request, "bedside/_fluid_form.html", context)
    return _entry(
        request,
        patient,
        FluidEntryForm(request.POST),
        form_partial="bedside/_fluid_form.html",
        result_partial="bedside/_fluid_result.html",
        write=fluid_record,
        title=title,
        result_context=lambda record, patient: {
            "urine_8h": observation_selectors.urine_output_ml(patient=patient, hours=8),
            "balances": observation_selectors.fluid_balance(patient=patient),
        },
    )


# --- Labs, supportive medications, clinical events (issue 14 item 4) ---------------------
SIMPLE_ENTRIES: dict[str, tuple[str, type[Any], Callable[..., Any], str, str]] = {
    # kind: (title, form, service, clinical-time field, save button)
    "labs": ("Lab result", LabEntryForm, lab_record, "collected_at", "Save lab result"),
    "medications": (
        "Supportive medication",
        MedicationEntryForm,
        medication_record,
        "administered_at",
        "Save medication",
    ),
    "events": ("Clinical event", EventEntryForm, event_record, "observed_at", "Save event"),
}


def _recent_events(patient: Patient) -> list[Any]:
    """The current stay's clinical events, newest first: the events page lists them (each row
    keeps a cell for actions on the event, e.g. ending it, which rules v2 adds)."""
    admission = selectors.open_admission(patient)
    events = ClinicalEvent.objects.filter(patient=patient, entered_in_error=False).order_by(
        "-observed_at"
    )
    if admission is not None:
        events = events.filter(observed_at__gte=admission.admitted_at)
    return list(events[:20])


def simple_entry(request: HtmxHttpRequest, patient_id: Any, kind: str) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    title, form_class, write, time_field, save = SIMPLE_ENTRIES[kind]
    extra: dict[str, Any] = {"save_label": save, "kind": kind}
    if kind == "events":
        extra["events"] = _recent_events(patient)
    if request.method == "GET":
        form = form_class(initial={"client_id": uuid.uuid4(), time_field: _now_local()})
        context = {
            "patient": patient,
            "admission": selectors.open_admission(patient),
            "form": form,
            "title": title,
            **extra,
        }
        return _render(request, "bedside/_simple_form.html", context)
    response = _entry(
        request,
        patient,
        form_class(request.POST),
        form_partial="bedside/_simple_form.html",
        result_partial="bedside/_simple_result.html",
        write=write,
        title=title,
        result_context=lambda record, patient: {
            **extra,
            "events": _recent_events(patient) if kind == "events" else [],
        },
    )
    return response


@login_required
@permission_required("patients.add_labresult", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lab_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    return simple_entry(request, patient_id, "labs")


@login_required
@permission_required("patients.add_supportivemedication", raise_exception=True)
@require_http_methods(["GET", "POST"])
def medication_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    return simple_entry(request, patient_id, "medications")


@login_required
@permission_required("patients.add_clinicalevent", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_entry(request: HtmxHttpRequest, patient_id: Any) -> HttpResponse:
    return simple_entry(request, patient_id, "events")
