"""The chart's flowsheet says when oxygen was given for comfort only (§2 (v2))."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory

pytestmark = pytest.mark.django_db


def test_the_flowsheet_marks_comfort_oxygen(client, nurse):
    admission = AdmissionFactory()
    taken = timezone.now() - timedelta(hours=1)
    vitals_record(
        patient=admission.patient,
        by=nurse,
        taken_at=taken,
        spo2=95,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("2.0"),
        oxygen_for_comfort=True,
    )
    vitals_record(
        patient=admission.patient,
        by=nurse,
        taken_at=taken + timedelta(minutes=30),
        spo2=95,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=Decimal("2.0"),
    )
    client.force_login(nurse)

    page = client.get(reverse("therapy:chart", args=[admission.patient.pk])).content.decode()

    assert page.count('<span class="flag">for comfort</span>') == 1
