"""Server-rendered pages for patients. Thin: forms validate input, services write."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from il2monitor.htmx import HtmxHttpRequest
from patients.forms import AdmissionForm, DischargeForm, MoveBedForm, PatientForm
from patients.models import Patient
from patients.selectors import patients as selectors
from patients.services import patients as services


def _patient_or_404(request: HttpRequest, patient_id: Any) -> Patient:
    try:
        return selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404("No such patient.") from error


def _apply(form: Any, write: Any) -> Any:
    """Run a service; put its validation errors on the form. None when it refused."""
    try:
        return write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                target = field if field in form.fields else None
                form.add_error(target, field_errors)
        else:
            form.add_error(None, error)
        return None


@login_required
@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HtmxHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    ward = request.GET.get("ward", "").strip()
    patients = selectors.patient_list(user=request.user, search=search, ward=ward)
    context = {
        "patients": patients,
        "search": search,
        "ward": ward,
        "wards": selectors.wards(user=request.user),
    }
    template = "patients/_patient_rows.html" if request.htmx else "patients/patient_list.html"
    return render(request, template, context)


@login_required
@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    admission = selectors.open_admission(patient)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "admission": admission,
            "admissions": patient.admissions.order_by("-admitted_at"),
            "discharge_form": DischargeForm(initial={"discharged_at": timezone.localtime()}),
            "move_form": MoveBedForm(initial={"ward": admission.ward if admission else ""}),
        },
    )


@login_required
@permission_required("patients.add_patient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = _apply(
            form, lambda: services.patient_register(by=request.user, **form.cleaned_data)
        )
        if patient is not None:
            messages.success(request, f"Registered {patient.full_name} ({patient.mrn}).")
            return redirect("patients:detail", patient_id=patient.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "title": "Register patient"},
        status=status,
    )


@login_required
@permission_required("patients.change_patient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    form = PatientForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        updated = _apply(
            form, lambda: services.patient_update(patient=patient, by=request.user, **changes)
        )
        if updated is not None:
            messages.success(request, "Patient record updated.")
            return redirect("patients:detail", patient_id=patient.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "patient": patient, "title": f"Edit {patient.full_name}"},
        status=status,
    )


@login_required
@permission_required("patients.add_admission", raise_exception=True)
@require_http_methods(["GET", "POST"])
def admission_create(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    form = AdmissionForm(request.POST or None, initial={"admitted_at": timezone.localtime()})
    if request.method == "POST" and form.is_valid():
        admission = _apply(
            form,
            lambda: services.admission_open(patient=patient, by=request.user, **form.cleaned_data),
        )
        if admission is not None:
            messages.success(request, f"Admitted to {admission.ward}, bed {admission.bed}.")
            return redirect("patients:detail", patient_id=patient.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "patients/admission_form.html", {"form": form, "patient": patient}, status=status
    )


def _admission_action(
    request: HttpRequest, patient_id: Any, form_class: Any, write: Any
) -> HttpResponse:
    patient = _patient_or_404(request, patient_id)
    admission = selectors.open_admission(patient)
    if admission is None:
        messages.error(request, "This patient has no open admission.")
        return redirect("patients:detail", patient_id=patient.pk)
    form = form_class(request.POST)
    if form.is_valid() and _apply(form, lambda: write(admission, form.cleaned_data)) is not None:
        return redirect("patients:detail", patient_id=patient.pk)
    for field_errors in form.errors.values():
        for message in field_errors:
            messages.error(request, message)
    return redirect("patients:detail", patient_id=patient.pk)


@login_required
@permission_required("patients.change_admission", raise_exception=True)
@require_http_methods(["POST"])
def admission_discharge(request: HttpRequest, patient_id: Any) -> HttpResponse:
    return _admission_action(
        request,
        patient_id,
        DischargeForm,
        lambda admission, data: services.admission_discharge(
            admission=admission, by=request.user, **data
        ),
    )


@login_required
@permission_required("patients.change_admission", raise_exception=True)
@require_http_methods(["POST"])
def admission_move(request: HttpRequest, patient_id: Any) -> HttpResponse:
    return _admission_action(
        request,
        patient_id,
        MoveBedForm,
        lambda admission, data: services.admission_move_bed(
            admission=admission, by=request.user, **data
        ),
    )
