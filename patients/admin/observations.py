"""Admin of the bedside records: read-only. Records are written by the services (which compute
NEWS2 and tell the monitor) and corrected by marking them entered in error, never edited or
deleted here."""

from typing import Any

from django.contrib import admin

from patients.admin.history import ReadOnlyHistoryAdmin
from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    SupportiveMedication,
    VasopressorInfusion,
    VitalSigns,
)


class ReadOnlyRecordAdmin(ReadOnlyHistoryAdmin):
    list_select_related = ["patient", "entered_by"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_filter = ["entered_in_error"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # clinical records are never deleted


VASOPRESSOR_INLINE_FIELDS = ("agent", "dose", "dose_unit")


class VasopressorInline(admin.TabularInline[VasopressorInfusion, VitalSigns]):
    model = VasopressorInfusion
    extra = 0
    can_delete = False
    fields = VASOPRESSOR_INLINE_FIELDS
    readonly_fields = VASOPRESSOR_INLINE_FIELDS

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(VitalSigns)
class VitalSignsAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "patient",
        "taken_at",
        "systolic_bp",
        "heart_rate",
        "spo2",
        "temperature_c",
        "news2_total",
        "news2_band",
        "source",
        "entered_by",
        "entered_in_error",
    ]
    list_filter = ["news2_band", "source", "entered_in_error"]
    date_hierarchy = "taken_at"
    inlines = [VasopressorInline]


@admin.register(FluidEntry)
class FluidEntryAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "patient",
        "period_end",
        "direction",
        "route",
        "volume_ml",
        "entered_by",
        "entered_in_error",
    ]
    list_filter = ["direction", "route", "entered_in_error"]
    date_hierarchy = "period_end"


@admin.register(LabResult)
class LabResultAdmin(ReadOnlyRecordAdmin):
    list_display = ["patient", "collected_at", "test", "result", "unit", "entered_in_error"]
    list_filter = ["test", "entered_in_error"]
    date_hierarchy = "collected_at"


@admin.register(SupportiveMedication)
class SupportiveMedicationAdmin(ReadOnlyRecordAdmin):
    list_display = ["patient", "administered_at", "drug", "category", "entered_in_error"]
    list_filter = ["category", "entered_in_error"]
    date_hierarchy = "administered_at"


@admin.register(ClinicalEvent)
class ClinicalEventAdmin(ReadOnlyRecordAdmin):
    list_display = ["patient", "observed_at", "code", "entered_by", "entered_in_error"]
    list_filter = ["code", "entered_in_error"]
    date_hierarchy = "observed_at"
