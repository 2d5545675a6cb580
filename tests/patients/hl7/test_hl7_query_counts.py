"""Queries per HL7 message: a fixed number per message and per set recorded, none per reading
(a monitor sends dozens of OBX), and a repeat answered from one lookup."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.hl7.receive import hl7_receive
from tests.support.hl7_messages import message, msh, philips_like, philips_obx, pid

pytestmark = pytest.mark.django_db

ECG_HR = "147842^MDC_ECG_HEART_RATE^MDC"
BPM = "264864^MDC_DIM_BEAT_PER_MIN^MDC"
# Per message: the stored-message lookup, the patient, the message row, its sets' links (a
# read and an insert), two savepoints and their releases. Per set (the vitals service's own):
# the admission locked, the insert and its history row, the patient's summary document made
# out of date (therapy.models.documents), two savepoints and their releases (full_clean asks
# the database nothing: the stay and its patient are rows the service holds, the key a fresh
# UUID; was 12 with those four checks).
PER_MESSAGE = 9
PER_SET = 8


def test_a_message_costs_the_same_whatever_its_number_of_readings(
    admission, nurse, django_assert_num_queries
):
    at = (timezone.now() - timedelta(minutes=90)).replace(microsecond=0)
    mrn = admission.patient.mrn
    single = message(msh("Q-1", at=at), pid(mrn), philips_obx(1, ECG_HR, 80, BPM, at))
    nine = philips_like(mrn, "Q-9", at=at + timedelta(minutes=30))

    with django_assert_num_queries(PER_MESSAGE + PER_SET):
        hl7_receive(body=single, by=nurse)
    with django_assert_num_queries(PER_MESSAGE + PER_SET):
        hl7_receive(body=nine, by=nurse)


def test_each_set_of_a_message_costs_the_same(admission, nurse, django_assert_num_queries):
    at = (timezone.now() - timedelta(minutes=90)).replace(microsecond=0)
    readings = [
        philips_obx(number + 1, ECG_HR, 80 + number, BPM, at + timedelta(minutes=10 * number))
        for number in range(3)
    ]
    body = message(msh("Q-3", at=at), pid(admission.patient.mrn), *readings)

    with django_assert_num_queries(PER_MESSAGE + 3 * PER_SET):
        hl7_receive(body=body, by=nurse)


def test_a_repeat_is_one_lookup(admission, nurse, django_assert_num_queries):
    at = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0)
    body = philips_like(admission.patient.mrn, "Q-R", at=at)
    hl7_receive(body=body, by=nurse)

    with django_assert_num_queries(1):
        repeated = hl7_receive(body=body, by=nurse)
    assert repeated.repeated
