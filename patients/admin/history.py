"""History in the admin is for reading. django-simple-history's "Revert" would save an old
version straight to the row (its view saves on POST whatever the revert setting says),
bypassing the services: un-marking a record entered in error, reopening a discharged stay."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied("History is read-only: correct a record through its page.")
        # django-simple-history is not annotated (and untyped_calls_exclude does not reach a
        # call through super()).
        response: HttpResponse = super().history_form_view(  # type: ignore[no-untyped-call]
            request, object_id, version_id, extra_context
        )
        return response
