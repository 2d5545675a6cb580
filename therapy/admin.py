from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from therapy.models import (
    Alert,
    Course,
    Dose,
    MonitorState,
    Notification,
    PatientEvaluation,
    RuleProfileVersion,
)
from therapy.profiles import rule_profile_activate, rule_profile_revise, validate_settings


class ReadOnlyClinicalAdmin(admin.ModelAdmin[Any]):
    """Courses, doses, alerts, notifications and the monitor's records are written by their
    services (ordering, give and hold with the pre-check, the monitor's reconcile and
    acknowledge); the admin only shows them: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PatientEvaluation)
class PatientEvaluationAdmin(ReadOnlyClinicalAdmin):
    list_display = ["patient", "reason", "record_as_of", "evaluated_at"]
    list_select_related = ["patient"]
    readonly_fields = ["patient", "reason", "record_as_of", "evaluated_at"]


@admin.register(Course)
class CourseAdmin(ReadOnlyClinicalAdmin):
    list_display = ["patient", "status", "dose_iu", "ordered_by", "ordered_at"]
    list_filter = ["status"]
    list_select_related = ["patient", "ordered_by"]
    search_fields = ["patient__mrn", "patient__family_name"]


@admin.register(Dose)
class DoseAdmin(ReadOnlyClinicalAdmin):
    list_display = ["course", "cycle", "number", "scheduled_at", "status", "given_at"]
    list_filter = ["status"]
    list_select_related = ["course__patient"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyClinicalAdmin):
    list_display = ["patient", "kind", "severity", "status", "opened_at", "acknowledged_by"]
    list_filter = ["status", "severity", "kind"]
    list_select_related = ["patient", "acknowledged_by"]
    search_fields = ["patient__mrn", "patient__family_name"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyClinicalAdmin):
    list_display = ["alert", "event", "channel", "status", "created_at", "sent_at", "attempts"]
    list_filter = ["channel", "status"]
    list_select_related = ["alert__patient"]


@admin.register(MonitorState)
class MonitorStateAdmin(ReadOnlyClinicalAdmin):
    list_display = ["patient", "assessed_at"]
    list_select_related = ["patient"]


class RuleProfileVersionForm(forms.ModelForm[RuleProfileVersion]):
    settings = forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
        help_text="Every threshold and window of the profile. Saving creates a new version.",
    )

    class Meta:
        model = RuleProfileVersion
        fields = ["name", "settings", "change_note"]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if "settings" in cleaned and cleaned.get("name"):
            try:
                validate_settings(cleaned["name"], cleaned["settings"])
            except ValidationError as error:
                self.add_error("settings", error.message_dict["settings"])
        return cleaned


@admin.register(RuleProfileVersion)
class RuleProfileVersionAdmin(admin.ModelAdmin[RuleProfileVersion]):
    """Versions are immutable: "Add" starts from the active version's thresholds and saves the
    next version; the action "Make active" switches back to an earlier one."""

    form = RuleProfileVersionForm
    list_display = ["label", "is_active", "created_at", "created_by", "change_note"]
    list_filter = ["name", "is_active"]
    actions = ["make_active"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        active = RuleProfileVersion.objects.filter(is_active=True).first()
        if active is None:
            return {}
        return {"name": active.name, "settings": active.settings}

    def has_change_permission(
        self, request: HttpRequest, obj: RuleProfileVersion | None = None
    ) -> bool:
        return False  # a stored version never changes; add a new one instead

    def has_delete_permission(
        self, request: HttpRequest, obj: RuleProfileVersion | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RuleProfileVersion, form: Any, change: bool
    ) -> None:
        saved = rule_profile_revise(
            name=form.cleaned_data["name"],
            settings=form.cleaned_data["settings"],
            change_note=form.cleaned_data["change_note"],
            by=request.user,
        )
        obj.pk, obj.version, obj.is_active = saved.pk, saved.version, saved.is_active
        obj._state.adding = False

    @admin.action(description="Make the selected version the active profile")
    def make_active(self, request: HttpRequest, queryset: QuerySet[RuleProfileVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", level=messages.ERROR)
            return
        try:
            profile = rule_profile_activate(profile=queryset.get())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return
        self.message_user(request, f"{profile.label} is now the active rule profile.")
