"""The chart's clinical events (clinical-rules.md §4 (v2)): every event of the admission,
ended ones with who and when; a nurse or physician ends an open one from the chart (a small
htmx form), with the API's checks; a pharmacist sees no End action."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import ClinicalEvent
from patients.services.observations import (
    EVENT_ALREADY_ENDED,
    EVENT_END_NOT_AFTER_OBSERVED,
    event_record,
)
from tests.support.factories import AdmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def af(nurse):  # type: ignore[no-untyped-def]
    admission = AdmissionFactory()
    observed = timezone.now() - timedelta(hours=6)
    return event_record(
        patient=admission.patient,
        by=nurse,
        code="atrial_fibrillation",
        observed_at=observed,
        note="rate 140",
    ).record


def chart(client, event):  # type: ignore[no-untyped-def]
    return client.get(reverse("therapy:chart", args=[event.patient_id])).content.decode()


def end_url(event) -> str:  # type: ignore[no-untyped-def]
    return reverse("patients:event-end", args=[event.pk])


def local(moment) -> str:  # type: ignore[no-untyped-def]
    """A datetime-local value in the site's time, as the form's input sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_open_event_is_shown_with_an_end_action_for_a_nurse(client, nurse, af):
    client.force_login(nurse)
    page = chart(client, af)
    assert "Atrial fibrillation" in page and "rate 140" in page
    assert '<span class="flag">ongoing</span>' in page
    assert f'hx-get="{end_url(af)}"' in page


def test_a_pharmacist_sees_the_event_but_no_end_action(client, pharmacist, af):
    client.force_login(pharmacist)
    page = chart(client, af)
    assert "Atrial fibrillation" in page and end_url(af) not in page
    assert client.post(end_url(af), {"ended_at": local(timezone.now())}).status_code == 403
    assert ClinicalEvent.objects.get(pk=af.pk).ended_at is None


def test_a_nurse_ends_the_event_from_the_chart_and_the_chart_shows_it(client, nurse, af):
    client.force_login(nurse)
    form = client.get(end_url(af), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="ended_at"' in form.content.decode()

    ended = timezone.now() - timedelta(minutes=30)
    response = client.post(
        end_url(af),
        {"ended_at": local(ended), "note": "sinus rhythm restored"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "<strong>Ended</strong>" in response.content.decode()
    stored = ClinicalEvent.objects.get(pk=af.pk)
    assert stored.ended_by == nurse and stored.end_note == "sinus rhythm restored"
    page = chart(client, af)
    assert "sinus rhythm restored" in page and end_url(af) not in page


def test_without_htmx_the_end_goes_back_to_the_chart(client, nurse, af):
    client.force_login(nurse)
    response = client.post(end_url(af), {"ended_at": local(timezone.now())})
    assert response.status_code == 302
    assert response["Location"] == reverse("therapy:chart", args=[af.patient_id])


def test_an_end_before_the_event_is_refused_with_its_reason(client, nurse, af):
    client.force_login(nurse)
    before = af.observed_at - timedelta(hours=1)

    response = client.post(end_url(af), {"ended_at": local(before)}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert EVENT_END_NOT_AFTER_OBSERVED.split(":")[0] in response.content.decode()
    assert ClinicalEvent.objects.get(pk=af.pk).ended_at is None


def test_an_event_ends_once_on_the_page_too(client, nurse, af):
    client.force_login(nurse)
    client.post(end_url(af), {"ended_at": local(timezone.now() - timedelta(minutes=40))})

    again = client.post(end_url(af), {"ended_at": local(timezone.now())}, HTTP_HX_REQUEST="true")

    assert again.status_code == 409
    assert EVENT_ALREADY_ENDED in again.content.decode()
