"""Time filters every REST list takes (api-contract.md, "General rules"; issue 15 item 4) and
the pin that keeps its pages stable:

- ``since`` / ``until``: the record's clinical time (``since`` ≤ t < ``until``);
- ``recorded_since`` / ``recorded_until``: its entry time, when the server recorded it
  (``recorded_since`` ≤ t ≤ ``recorded_until``). A sync asks ``recorded_since=<the time of its
  last sync>`` and gets a set taken 90 minutes ago but entered now.

Every list applies ``recorded_until``, and when the request has none, the time of the request:
``Pagination`` writes that pin into the ``next`` and ``previous`` links, so a record entered
while a client pages never shifts a page (nothing twice, nothing skipped); the client finds it
on its next sync."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

PIN_PARAMETER = "recorded_until"


@dataclass(frozen=True)
class ListTimes:
    """The fields of one list: ``clinical`` (None: the list has no clinical time, ``since``
    and ``until`` are refused) and ``entered`` (the entry time)."""

    clinical: str | None
    entered: str


class TimeFilterSerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    recorded_since = serializers.DateTimeField(required=False)
    recorded_until = serializers.DateTimeField(required=False)


def time_filtered(
    request: Request, view: Any, queryset: QuerySet[Any], times: ListTimes
) -> QuerySet[Any]:
    """``queryset`` narrowed by the request's time filters and pinned (``view.list_pin``,
    which ``Pagination`` writes into its links). A bad time is a 400 naming it."""
    filters = TimeFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    values = filters.validated_data
    if times.clinical is None and ({"since", "until"} & set(values)):
        raise serializers.ValidationError(
            {name: ["This list has no clinical time: use recorded_since."] for name in values}
        )
    if "since" in values:
        queryset = queryset.filter(**{f"{times.clinical}__gte": values["since"]})
    if "until" in values:
        queryset = queryset.filter(**{f"{times.clinical}__lt": values["until"]})
    if "recorded_since" in values:
        queryset = queryset.filter(**{f"{times.entered}__gte": values["recorded_since"]})
    pin: datetime = values.get(PIN_PARAMETER) or timezone.now()
    view.list_pin = pin
    return queryset.filter(**{f"{times.entered}__lte": pin})


def time_parameters(times: ListTimes) -> list[OpenApiParameter]:
    found = []
    if times.clinical is not None:
        found += [
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Clinical time ≥ since."),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Clinical time < until."),
        ]
    return [
        *found,
        OpenApiParameter(
            "recorded_since",
            OpenApiTypes.DATETIME,
            description="Entry time (when the server recorded it) ≥ this: incremental sync.",
        ),
        OpenApiParameter(
            PIN_PARAMETER,
            OpenApiTypes.DATETIME,
            description="Entry time ≤ this. The next/previous links carry it (the time of the "
            "first page), so pages stay stable while records are entered.",
        ),
    ]
