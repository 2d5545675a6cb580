"""Admin of patients and admissions. Every write goes through the services, as on the pages:
registering or editing a patient (patient_register / patient_update: the SpO2 scale 2 check,
MRN normalisation), admitting, moving and discharging (admission_open / admission_move_bed /
admission_discharge: the bed and overlap checks, and the monitor is told, which closes a
discharged patient's alerts). Nothing is deleted."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.forms.models import construct_instance
from django.http import HttpRequest

from patients.admin.history import ReadOnlyHistoryAdmin
from patients.models import Admission, Patient
from patients.services import patients as services


class _DryRun(Exception):
    pass


class ServiceAdminForm(ModelForm[Any]):
    """A ModelForm whose write is a service call. Validation runs the service once in a
    savepoint that is rolled back, so the service's own refusals (a taken bed, an MRN in
    use, a discharge before admission) appear on the form like field errors; the admin's
    ``save_model`` then calls it for real."""

    # The signed-in user, set on the form class by ``ServiceAdminMixin.get_form``.
    request_user: Any = None

    def write(self, *, by: Any) -> Any:
        raise NotImplementedError

    def _post_clean(self) -> None:
        # No model validation here: the service validates (full_clean and its own rules,
        # after normalising, e.g. the MRN in capitals) and its errors land on the form.
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        if self.errors or not getattr(self, "request_user", None):
            return
        try:
            with transaction.atomic():
                self.write(by=self.request_user)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            for field, field_messages in by_field.items():
                self.add_error(field if field in self.fields else None, field_messages)


class ServiceAdminMixin(admin.ModelAdmin[Any]):
    """Hands the signed-in user to the form and saves through ``form.write``."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Any]]:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"request_user": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        written = form.write(by=request.user)
        # The admin logs and redirects with ``obj``: make it the row the service wrote.
        obj.pk = written.pk
        obj._state.adding = False


class PatientAdminForm(ServiceAdminForm):
    class Meta:
        model = Patient
        fields = sorted(services.PATIENT_EDITABLE_FIELDS)

    def write(self, *, by: Any) -> Patient:
        if self.instance._state.adding:
            return services.patient_register(
                by=by,
                **{
                    name: value
                    for name, value in self.cleaned_data.items()
                    if name in services.PATIENT_EDITABLE_FIELDS
                },
            )
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.PATIENT_EDITABLE_FIELDS
        }
        patient = Patient.objects.get(pk=self.instance.pk)
        return services.patient_update(patient=patient, by=by, **changes)


ADMISSION_INLINE_FIELDS = ("ward", "bed", "admitted_at", "discharged_at", "admitted_by")


class AdmissionInline(admin.TabularInline[Admission, Patient]):
    """The patient's stays, read-only here: admit, move and discharge on the admission's own
    page (or the ward pages), which go through the services."""

    model = Admission
    extra = 0
    fields = ADMISSION_INLINE_FIELDS
    readonly_fields = ADMISSION_INLINE_FIELDS
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(ServiceAdminMixin, ReadOnlyHistoryAdmin):
    form = PatientAdminForm
    list_display = [
        "mrn",
        "family_name",
        "given_name",
        "birth_date",
        "diagnosis",
        "baseline_weight_kg",
        "spo2_scale",
        "current_location",
    ]
    list_filter = ["diagnosis", "sex", "spo2_scale"]
    search_fields = ["mrn", "family_name", "given_name"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [AdmissionInline]
    fieldsets = [
        (None, {"fields": ["id", "mrn", "given_name", "family_name", "birth_date", "sex"]}),
        (
            "Clinical baseline",
            {
                "fields": [
                    "diagnosis",
                    "baseline_weight_kg",
                    "baseline_systolic_bp",
                    "baseline_creatinine_mg_dl",
                    "spo2_scale",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        return super().get_queryset(request).prefetch_related("admissions")

    @admin.display(description="Ward · bed")
    def current_location(self, patient: Patient) -> str:
        open_stays = [a for a in patient.admissions.all() if a.discharged_at is None]
        return f"{open_stays[0].ward} · {open_stays[0].bed}" if open_stays else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # clinical records are never deleted


class AdmissionAdminForm(ServiceAdminForm):
    class Meta:
        model = Admission
        fields = ["patient", "ward", "bed", "admitted_at", "discharged_at"]

    def write(self, *, by: Any) -> Admission:
        data = self.cleaned_data
        if self.instance._state.adding:
            return services.admission_open(
                patient=data["patient"],
                by=by,
                ward=data["ward"],
                bed=data["bed"],
                admitted_at=data["admitted_at"],
            )
        admission = Admission.objects.get(pk=self.instance.pk)
        if {"ward", "bed"} & set(self.changed_data):
            admission = services.admission_move_bed(
                admission=admission, by=by, ward=data["ward"], bed=data["bed"]
            )
        if data.get("discharged_at") is not None:
            admission = services.admission_discharge(
                admission=admission, by=by, discharged_at=data["discharged_at"]
            )
        return admission


@admin.register(Admission)
class AdmissionAdmin(ServiceAdminMixin, ReadOnlyHistoryAdmin):
    """Admit (add), move bed and discharge (change an open stay): each through its service.
    A discharged stay is read-only."""

    form = AdmissionAdminForm
    list_display = ["patient", "ward", "bed", "admitted_at", "discharged_at"]
    list_filter = ["ward", ("discharged_at", admin.EmptyFieldListFilter)]
    search_fields = ["patient__mrn", "patient__family_name", "ward", "bed"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    date_hierarchy = "admitted_at"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("patient", "ward", "bed", "admitted_at")
        return ("id", "patient", "ward", "bed", "admitted_at", "discharged_at", "admitted_by")

    @staticmethod
    def _discharged(obj: Any) -> bool:
        # The stored row: the form may have put a (refused) discharge time on ``obj``.
        return Admission.objects.filter(pk=obj.pk, discharged_at__isnull=False).exists()

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        if obj is None:
            return []
        if self._discharged(obj):
            return self.get_fields(request, obj)
        return ["id", "patient", "admitted_at", "admitted_by", "created_at", "updated_at"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is not None and self._discharged(obj):
            return False  # a closed stay stays as it was discharged
        # django-simple-history is not annotated (and untyped_calls_exclude does not reach a
        # call through super()).
        return bool(super().has_change_permission(request, obj))  # type: ignore[no-untyped-call]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The bedside records (vitals, fluids, labs, medications, events) register here.
import patients.admin.observations  # noqa: E402, F401
