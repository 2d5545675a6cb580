"""A pre-check made more than 2 h before its dose says it is provisional, and when it becomes
final, on the board, the chart header, the handover and in the words (clinical-rules.md §4
(v2)); a check inside the window says nothing of the kind."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.support.therapy_fixtures import NORMAL, order_course, record_vitals
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.wording import precheck_provisional_words, time_words, when

pytestmark = pytest.mark.django_db


def test_the_words():
    final_at = timezone.now()
    assert precheck_provisional_words(None) == ""
    assert precheck_provisional_words({"provisional": False, "final_at": final_at}) == ""
    words = precheck_provisional_words({"provisional": True, "final_at": final_at.isoformat()})
    assert words == f"Provisional: final at {when(final_at)}"


@pytest.mark.parametrize(
    ("dose_in", "provisional"), [(timedelta(hours=5), True), (timedelta(minutes=90), False)]
)
def test_the_pages_say_provisional_only_before_the_window(
    client, admission, nurse, physician, dose_in, provisional
):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=dose_in)
    record_vitals(patient, nurse, minutes_ago=5, **NORMAL)
    evaluation_run(patient_id=patient.pk, reason="vitals", now=timezone.now())
    dose = course.doses.order_by("cycle", "number").first()
    # The pages' words (issue 14 item 2, one definition in wording.precheck_summary): the
    # window with its opening (when the check becomes final) and "Provisional: would …".
    window = f"Window opens {time_words(dose.scheduled_at - timedelta(hours=2))}"
    client.force_login(physician)

    pages = [
        client.get(reverse("therapy:board")).content.decode(),
        client.get(reverse("therapy:chart", args=[patient.pk])).content.decode(),
    ]

    for page in pages:
        assert window in page
        assert ("Provisional: would" in page) is provisional
