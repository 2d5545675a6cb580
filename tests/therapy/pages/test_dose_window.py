"""Issue 14 item 2: a dose shows its window; give and hold are offered only inside it, and a
decision page before it says "too early" before any form is filled in."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import order_course, record_vitals

pytestmark = pytest.mark.django_db


def test_a_dose_9_h_away_offers_neither_give_nor_hold(client, nurse, physician):
    stay = AdmissionFactory()
    course = order_course(stay.patient, physician, first_dose_in=timedelta(hours=9))
    record_vitals(stay.patient, nurse, systolic_bp=83, diastolic_bp=50)
    dose = course.doses.order_by("cycle", "number").first()
    client.force_login(nurse)

    panel = client.get(reverse("therapy:dose-panel", args=[stay.patient.pk])).content.decode()

    assert reverse("therapy:dose-give", args=[dose.pk]) not in panel
    assert reverse("therapy:dose-hold", args=[dose.pk]) not in panel
    assert "Give and hold open at" in panel and "Window opens" in panel
    # The check is provisional and says what the picture of now means.
    assert "Provisional: would hold now" in panel and "SBP 83 mmHg" in panel
    assert "INSUFFICIENT DATA" not in panel
    for name in ("therapy:dose-give", "therapy:dose-hold"):
        page = client.get(reverse(name, args=[dose.pk])).content.decode()
        assert "Too early." in page and '<form method="post" novalidate>' not in page


def test_inside_the_window_the_recommended_action_is_the_primary_button(client, nurse, physician):
    stay = AdmissionFactory()
    course = order_course(stay.patient, physician, first_dose_in=timedelta(minutes=30))
    record_vitals(stay.patient, nurse)
    dose = course.doses.order_by("cycle", "number").first()
    client.force_login(nurse)

    panel = client.get(reverse("therapy:dose-panel", args=[stay.patient.pk])).content.decode()

    give = reverse("therapy:dose-give", args=[dose.pk])
    assert f'class="button primary" href="{give}"' in panel
    assert "Give and hold open at" not in panel
    page = client.get(reverse("therapy:dose-hold", args=[dose.pk])).content.decode()
    assert "Too early." not in page and "Record dose held" in page
