from typing import Any

from django.utils import timezone
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from il2monitor.listing import PIN_PARAMETER


class Pagination(PageNumberPagination):
    """Page numbers, with the list's pin (``il2monitor.listing``: ``recorded_until``, the time
    of the first page) in the ``next`` and ``previous`` links."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.pin = getattr(view, "list_pin", None)
        return super().paginate_queryset(queryset, request, view)

    def _pinned(self, url: str | None) -> str | None:
        pin = getattr(self, "pin", None)
        if url is None or pin is None:
            return url
        return replace_query_param(url, PIN_PARAMETER, timezone.localtime(pin).isoformat())

    def get_next_link(self) -> str | None:
        return self._pinned(super().get_next_link())

    def get_previous_link(self) -> str | None:
        return self._pinned(super().get_previous_link())
