"""The bench's URLs: the app's, plus a bare DRF endpoint that validates a vitals body and
inserts one row (no NEWS2, no history, no monitor hook, no document): the framework's floor
for ingestion (issue 16 item 4). Used by bench/ingestion.py only; the app never routes here."""

from typing import Any

from django.urls import include, path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.models import Admission, VitalSigns


class BareVitalsSerializer(serializers.ModelSerializer[VitalSigns]):
    class Meta:
        model = VitalSigns
        fields = [
            "taken_at",
            "respiratory_rate",
            "spo2",
            "oxygen_device",
            "systolic_bp",
            "diastolic_bp",
            "heart_rate",
            "consciousness",
            "temperature_c",
        ]


class BareVitalsView(APIView):
    """Authenticated and throttled like every API view (the project's defaults), a model
    serializer's validation, one INSERT."""

    required_permissions = {"POST": ["patients.add_vitalsigns"]}

    def post(self, request: Request, patient_id: Any) -> Response:
        serializer = BareVitalsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        admission = Admission.objects.get(patient_id=patient_id, discharged_at__isnull=True)
        row = serializer.save(patient_id=patient_id, admission=admission, entered_by=request.user)
        return Response({"id": str(row.pk)}, status=201)


urlpatterns = [
    path("bench/bare/<uuid:patient_id>/vitals/", BareVitalsView.as_view()),
    path("", include("il2monitor.urls")),
]
