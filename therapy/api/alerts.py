from typing import Any

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from il2monitor.listing import ListTimes, time_filtered, time_parameters
from therapy.models import Alert, AlertKind, AlertStatus
from therapy.monitor import alerts as alert_services
from therapy.monitor import selectors


class AlertSerializer(serializers.ModelSerializer[Alert]):
    patient = serializers.UUIDField(source="patient_id", read_only=True)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, allow_null=True, default=None
    )
    escalated = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "kind",
            "severity",
            "status",
            "opened_at",
            "last_seen_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledge_note",
            "escalated",
            "escalated_at",
            "resolved_at",
            "resolution",
            "evidence",
            "rule_version",
            "lifecycle",
        ]
        read_only_fields = fields

    def get_escalated(self, alert: Alert) -> bool:
        return alert.escalated_at is not None


class AcknowledgeSerializer(serializers.Serializer[Any]):
    # The rule (1–1,000 characters after trimming) and its words are the service's
    # (therapy.monitor.alerts.alert_acknowledge), shared with the page.
    note = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="What was done (who was informed): required, 1–1,000 characters.",
    )


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    patient = django_filters.UUIDFilter(field_name="patient_id")

    class Meta:
        model = Alert
        fields = ["status", "kind", "patient"]


# The monitor records an alert when it opens it: opened_at is both times.
ALERT_TIMES = ListTimes(clinical="opened_at", entered="opened_at")


@extend_schema(tags=["alerts"])
class AlertViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Alert]
):
    """Alerts raised by the monitor, most severe and newest first."""

    serializer_class = AlertSerializer
    queryset = Alert.objects.none()
    filterset_class = AlertFilter
    required_permissions = {
        "GET": ["therapy.view_alert"],
        "HEAD": ["therapy.view_alert"],
        "POST": ["therapy.acknowledge_alert"],
    }

    def get_queryset(self) -> Any:
        alerts = selectors.alerts_visible(user=self.request.user)
        if self.action != "list":
            return alerts
        return time_filtered(self.request, self, alerts, ALERT_TIMES)

    @extend_schema(parameters=time_parameters(ALERT_TIMES))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AcknowledgeSerializer, responses={200: AlertSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        alert = self.get_object()
        serializer = AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = alert_services.alert_acknowledge(
            alert=alert, by=request.user, note=serializer.validated_data["note"], now=timezone.now()
        )
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)
