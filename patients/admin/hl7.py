"""The HL7 v2 messages received (docs/hl7.md), read-only: what each was answered, and why an
AE. A row is the message's idempotency key: deleting one would let a repeat record again."""

from typing import Any

from django.contrib import admin

from patients.models import Hl7Message


@admin.register(Hl7Message)
class Hl7MessageAdmin(admin.ModelAdmin[Hl7Message]):
    list_display = [
        "received_at",
        "sending_facility",
        "control_id",
        "message_type",
        "ack_code",
        "patient",
        "reason",
    ]
    list_filter = ["ack_code", "sending_facility"]
    list_select_related = ["patient"]
    search_fields = ["control_id", "sending_facility", "patient__mrn"]
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
