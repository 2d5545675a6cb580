"""The dose panel on a patient's page, and the course order form. Thin: services decide."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from patients.models import Patient
from patients.selectors import patients as patient_selectors
from patients.views import _apply
from therapy.mar import courses
from therapy.mar import selectors as mar_selectors
from therapy.mar.verifier import VerificationBlocked, verifier_confirm
from therapy.models import Dose
from therapy.pages.forms import AdministerForm, CourseOrderForm, DiscontinueForm, HoldForm
from therapy.pages.panel import decision_window
from therapy.pages.panel import dose_panel as dose_panel_context
from therapy.pages.wording import precheck_provisional_words, precheck_summary
from therapy.policy import dose_overdue_after
from therapy.profiles import rule_profile_active, rules_profile
from therapy.rules.monitoring import DoseWindow


def _patient(request: HttpRequest, patient_id: Any) -> Patient:
    try:
        return patient_selectors.patient_get(user=request.user, patient_id=patient_id)
    except Patient.DoesNotExist as error:
        raise Http404("No such patient.") from error


def _dose(request: HttpRequest, dose_id: Any) -> Dose:
    try:
        return (
            mar_selectors.doses_visible(user=request.user)
            .select_related("course__patient")
            .get(pk=dose_id)
        )
    except Dose.DoesNotExist as error:
        raise Http404("No such dose.") from error


@login_required
@permission_required("therapy.view_dose", raise_exception=True)
def dose_panel(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient(request, patient_id)
    panel = dose_panel_context(patient=patient, now=timezone.now())
    return render(request, "therapy/_dose_panel.html", {"patient": patient, **panel})


@login_required
@permission_required("therapy.add_course", raise_exception=True)
@require_http_methods(["GET", "POST"])
def course_order(request: HttpRequest, patient_id: Any) -> HttpResponse:
    patient = _patient(request, patient_id)
    form = CourseOrderForm(
        request.POST or None,
        initial={"dosing_weight_kg": patient.baseline_weight_kg},
        dosing=rules_profile(rule_profile_active()).dosing,
    )
    if request.method == "POST" and form.is_valid():
        course = _apply(
            form,
            lambda: courses.course_order(patient=patient, by=request.user, **form.cleaned_data),
        )
        if course is not None:
            messages.success(
                request,
                f"Course ordered: {course.dose_iu:,} IU per dose, "
                f"{course.doses.count()} doses scheduled.",
            )
            return redirect("patients:detail", patient_id=patient.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "therapy/course_form.html", {"form": form, "patient": patient}, status=status
    )


def _before_window(dose: Dose) -> bool:
    window = DoseWindow.of(dose.scheduled_at, overdue_after=dose_overdue_after())
    return not decision_window(window, now=timezone.now())["window_open"]


def _decision_page(
    request: HttpRequest, dose: Dose, template: str, form: Any, status: int = 200
) -> HttpResponse:
    check = courses.dose_check(dose=dose)
    window = DoseWindow.of(dose.scheduled_at, overdue_after=dose_overdue_after())
    check_dict = check.to_dict()
    context = {
        **decision_window(window, now=timezone.now()),
        "summary": precheck_summary(
            check_dict, next_dose=dose, opens_at=window.opens_at, due_at=window.due_at
        ),
        "dose": dose,
        "patient": dose.course.patient,
        "course": dose.course,
        "form": form,
        "check": check_dict,
        "check_time": check.checked_at,
        "check_provisional": precheck_provisional_words(check),
    }
    return render(request, template, context, status=status)


@login_required
@permission_required("therapy.administer_dose", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dose_give(request: HttpRequest, dose_id: Any) -> HttpResponse:
    dose = _dose(request, dose_id)
    form = AdministerForm(
        request.POST or None,
        initial={"given_at": timezone.localtime()},
        dosing=rules_profile(rule_profile_active()).dosing,
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        verifier = None
        try:
            verifier = verifier_confirm(
                by=request.user,
                username=data["verifier_username"],
                password=data["verifier_password"],
            )
        except VerificationBlocked as blocked:
            form.add_error("verifier_username", blocked.message)
            status = 429
        except ValidationError as error:
            form.add_error("verifier_password", error.message_dict["verifier"])
        if verifier is not None:
            try:
                given = _apply(
                    form,
                    lambda: courses.dose_administer(
                        dose=dose,
                        by=request.user,
                        verifier=verifier,
                        given_at=data["given_at"],
                        override_reason=data["override_reason"],
                    ),
                )
            except PermissionDenied as error:
                form.add_error("override_reason", str(error))
                given = None
            if given is not None:
                messages.success(
                    request,
                    f"Cycle {given.cycle} dose {given.number} given, "
                    f"checked by {verifier.get_username()}.",
                )
                return redirect("patients:detail", patient_id=dose.course.patient_id)
    return _decision_page(request, dose, "therapy/dose_give.html", form, status)


@login_required
@permission_required("therapy.administer_dose", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dose_hold(request: HttpRequest, dose_id: Any) -> HttpResponse:
    dose = _dose(request, dose_id)
    profile = rules_profile(rule_profile_active())
    # Before the window, only a physician's documented early decision may hold the dose; the
    # service enforces it again (therapy.mar.courses.dose_hold).
    early = _before_window(dose) and request.user.has_perm("therapy.hold_dose_early")
    if request.method == "POST":
        form = HoldForm(request.POST, profile=profile, early=early)
    else:
        check = courses.dose_check(dose=dose)
        # Before the window, tick what the picture of now would hold for (the provisional
        # check's current picture); inside it, what the check holds for.
        picture = check.current_picture if early and check.current_picture else check
        form = HoldForm(
            initial={"reasons": picture.hold_reasons},
            profile=profile,
            early=early,
        )
    if request.method == "POST" and form.is_valid():
        held = _apply(
            form, lambda: courses.dose_hold(dose=dose, by=request.user, **form.cleaned_data)
        )
        if held is not None:
            early_words = " before its window (documented early decision)" if early else ""
            messages.success(request, f"Cycle {held.cycle} dose {held.number} held{early_words}.")
            return redirect("patients:detail", patient_id=dose.course.patient_id)
    return _decision_page(
        request, dose, "therapy/dose_hold.html", form, 400 if request.method == "POST" else 200
    )


@login_required
@permission_required("therapy.discontinue_course", raise_exception=True)
@require_http_methods(["POST"])
def course_discontinue(request: HttpRequest, course_id: Any) -> HttpResponse:
    course = mar_selectors.courses_visible(user=request.user).get(pk=course_id)
    form = DiscontinueForm(request.POST)
    if form.is_valid():
        try:
            courses.course_discontinue(
                course=course, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Course discontinued; remaining doses cancelled.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Say why the course is discontinued.")
    return redirect("patients:detail", patient_id=course.patient_id)
