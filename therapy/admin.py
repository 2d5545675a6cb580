from django.contrib import admin

from therapy.models import PatientEvaluation


@admin.register(PatientEvaluation)
class PatientEvaluationAdmin(admin.ModelAdmin):
    list_display = ["patient", "reason", "record_as_of", "evaluated_at"]
    list_select_related = ["patient"]
    readonly_fields = ["patient", "reason", "record_as_of", "evaluated_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
