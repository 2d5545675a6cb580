from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import Admission, Patient


class AdmissionInline(admin.TabularInline):
    model = Admission
    extra = 0
    fields = ["ward", "bed", "admitted_at", "discharged_at", "admitted_by"]
    readonly_fields = ["admitted_by"]
    can_delete = False
    show_change_link = True


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
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

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("admissions")

    @admin.display(description="Ward · bed")
    def current_location(self, patient: Patient) -> str:
        open_stays = [a for a in patient.admissions.all() if a.discharged_at is None]
        return f"{open_stays[0].ward} · {open_stays[0].bed}" if open_stays else "—"

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # clinical records are never deleted


@admin.register(Admission)
class AdmissionAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "ward", "bed", "admitted_at", "discharged_at"]
    list_filter = ["ward", ("discharged_at", admin.EmptyFieldListFilter)]
    search_fields = ["patient__mrn", "patient__family_name", "ward", "bed"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    readonly_fields = ["id", "admitted_by", "created_at", "updated_at"]
    date_hierarchy = "admitted_at"

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# The bedside records (vitals, fluids, labs, medications, events) register here.
import patients.admin_observations  # noqa: E402, F401
