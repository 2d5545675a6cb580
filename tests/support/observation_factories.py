"""Factories of bedside records. They go through the recording services, so NEWS2 and every
rule are applied exactly as for a nurse's entry."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    SupportiveMedication,
    VitalSigns,
)
from patients.services.observations import (
    event_record,
    fluid_record,
    lab_record,
    medication_record,
)
from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory, UserFactory

# A complete, unremarkable set: NEWS2 0.
NORMAL_VITALS = {
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "heart_rate": 78,
    "consciousness": "alert",
    "temperature_c": Decimal("36.8"),
}


def minutes_ago(minutes: int) -> object:
    return timezone.now() - timedelta(minutes=minutes)


class RecordedFactory(factory.django.DjangoModelFactory):
    """Creates through ``service``; ``admission`` (a parameter) gives the patient."""

    class Meta:
        abstract = True

    class Params:
        admission = factory.SubFactory(AdmissionFactory)

    patient = factory.LazyAttribute(lambda record: record.admission.patient)
    by = factory.SubFactory(UserFactory, role="nurse")


class VitalSignsFactory(RecordedFactory):
    class Meta:
        model = VitalSigns

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return vitals_record(**kwargs).record

    taken_at = factory.LazyFunction(lambda: minutes_ago(10))
    respiratory_rate = NORMAL_VITALS["respiratory_rate"]
    spo2 = NORMAL_VITALS["spo2"]
    oxygen_device = NORMAL_VITALS["oxygen_device"]
    systolic_bp = NORMAL_VITALS["systolic_bp"]
    diastolic_bp = NORMAL_VITALS["diastolic_bp"]
    heart_rate = NORMAL_VITALS["heart_rate"]
    consciousness = NORMAL_VITALS["consciousness"]
    temperature_c = NORMAL_VITALS["temperature_c"]
    vasopressors = factory.LazyFunction(list)


class FluidEntryFactory(RecordedFactory):
    class Meta:
        model = FluidEntry

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return fluid_record(**kwargs).record

    direction = "output"
    route = "urine"
    volume_ml = 240
    period_end = factory.LazyFunction(lambda: minutes_ago(5))
    period_start = factory.LazyAttribute(lambda entry: entry.period_end - timedelta(hours=4))


class LabResultFactory(RecordedFactory):
    class Meta:
        model = LabResult

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return lab_record(**kwargs).record

    test = "creatinine"
    value = Decimal("0.90")
    unit = "mg/dL"
    collected_at = factory.LazyFunction(lambda: minutes_ago(30))


class SupportiveMedicationFactory(RecordedFactory):
    class Meta:
        model = SupportiveMedication

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return medication_record(**kwargs).record

    drug = "Paracetamol 1 g PO"
    category = "antipyretic"
    administered_at = factory.LazyFunction(lambda: minutes_ago(20))


class ClinicalEventFactory(RecordedFactory):
    class Meta:
        model = ClinicalEvent

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return event_record(**kwargs).record

    code = "atrial_fibrillation"
    observed_at = factory.LazyFunction(lambda: minutes_ago(15))
    note = ""
