"""Two copies of one message at once (a gateway's retry racing its original): the unique
constraint on (MSH-4, MSH-10) lets one store; the other's sets are rolled back and it answers
the winner's ACK."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.hl7 import receive
from patients.hl7.receive import hl7_receive
from patients.models import Hl7Message, VitalSigns
from tests.support.hl7_messages import philips_like

pytestmark = pytest.mark.django_db


def test_the_losing_copy_of_a_race_writes_nothing_and_answers_the_winners_ack(
    monkeypatch, admission, nurse
):
    at = (timezone.now() - timedelta(minutes=2)).replace(microsecond=0)
    body = philips_like(admission.patient.mrn, "RACE-1", at=at)
    winner = hl7_receive(body=body, by=nurse)
    looked = []
    real = receive._stored

    def missed_the_first_time(header):  # type: ignore[no-untyped-def]
        looked.append(header.control_id)
        return None if len(looked) == 1 else real(header)

    monkeypatch.setattr(receive, "_stored", missed_the_first_time)
    loser = hl7_receive(body=body, by=nurse)

    assert (winner.ack_code, winner.repeated) == ("AA", False)
    assert loser.repeated and loser.ack == winner.ack
    assert VitalSigns.objects.count() == 1
    assert Hl7Message.objects.count() == 1
    assert looked == ["RACE-1", "RACE-1"]
