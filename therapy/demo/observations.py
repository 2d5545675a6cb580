"""A few days of bedside records for the demo ward, written through the recording services
(so every rule, NEWS2 and the monitor hook apply exactly as for a nurse's entry).

Most patients have an ordinary course of high-dose IL-2: fevers and rigors a few hours after
doses, a little tachycardia, a soft blood pressure, paracetamol, daily labs, shift fluid
balances. Two drift into trouble over their stay:

- ``DEMO-1005`` (Helen Marsh) into vascular leak: falling systolic pressure, weight gain,
  oedema, urine output falling below 160 mL per 8 h, creatinine rising past 2.5 mg/dL,
  albumin falling below 3 g/dL, and in the end oxygen by nasal cannula;
- ``DEMO-1010`` (Kenji Watanabe, HDU) into grade 3 cytokine release syndrome: fever
  ≥ 38 °C, systolic pressure below 90 mmHg on one vasopressor (norepinephrine), with
  low-flow oxygen (clinical-rules.md §2).

Fictional people, invented numbers: a demonstration, not clinical data.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from patients.models import Admission, VitalSigns
from patients.services.observations import fluid_record, lab_record, medication_record
from patients.services.vitals import vitals_record

VASCULAR_LEAK_MRN = "DEMO-1005"
GRADE_3_CRS_MRN = "DEMO-1010"
SHIFT = timedelta(hours=8)


def _one(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


def _two(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _lerp(start: float, end: float, progress: float) -> float:
    return start + (end - start) * progress


@dataclass
class Stay:
    """One demo patient's stay being written: times, people, and a seeded random source."""

    admission: Admission
    nurse: Any
    physician: Any
    now: datetime
    rng: random.Random
    counts: Counter[str]

    @property
    def patient(self) -> Any:
        return self.admission.patient

    @property
    def start(self) -> datetime:
        return self.admission.admitted_at + timedelta(minutes=30)

    @property
    def end(self) -> datetime:
        return self.now - timedelta(minutes=15)

    def progress(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        return min(1.0, max(0.0, (at - self.start).total_seconds() / span))

    def times(self, every: timedelta, *, dense_last: timedelta | None = None) -> list[datetime]:
        """From admission to now every ``every``; every hour over the last ``dense_last``."""
        moments, at = [], self.start
        while at <= self.end:
            moments.append(at)
            close = dense_last is not None and self.end - at <= dense_last
            at += timedelta(hours=1) if close else every
        if moments and self.end - moments[-1] > timedelta(minutes=20):
            moments.append(self.end)
        return moments

    def noise(self, spread: float) -> float:
        return self.rng.uniform(-spread, spread)

    def vitals(self, at: datetime, **values: Any) -> VitalSigns:
        self.counts["vitals"] += 1
        by = self.physician if values.pop("by_physician", False) else self.nurse
        return vitals_record(patient=self.patient, by=by, taken_at=at, **values).record

    def fluids_for_shift(
        self,
        end: datetime,
        *,
        urine: int,
        iv: int,
        oral: int,
        start: datetime | None = None,
        shortest: timedelta = timedelta(hours=1),
    ) -> None:
        start = max(start or end - SHIFT, self.admission.admitted_at)
        if (end - start) < shortest:
            return
        for direction, route, volume in (
            ("intake", "iv", iv),
            ("intake", "oral", oral),
            ("output", "urine", urine),
        ):
            fluid_record(
                patient=self.patient,
                by=self.nurse,
                direction=direction,
                route=route,
                volume_ml=max(0, volume),
                period_start=start,
                period_end=end,
            )
            self.counts["fluids"] += 1

    def labs(self, at: datetime, **values: Decimal) -> None:
        units = {"creatinine": "mg/dL", "albumin": "g/dL", "platelets": "10^3/µL"}
        units |= {"bilirubin": "mg/dL", "bicarbonate": "mmol/L", "potassium": "mmol/L"}
        for test, value in values.items():
            lab_record(
                patient=self.patient,
                by=self.physician,
                test=test,
                value=value,
                unit=units[test],
                collected_at=at,
            )
            self.counts["labs"] += 1

    def paracetamol(self, at: datetime) -> None:
        medication_record(
            patient=self.patient,
            by=self.nurse,
            drug="Paracetamol 1 g PO",
            category="antipyretic",
            administered_at=min(at + timedelta(minutes=10), self.end),
        )
        self.counts["medications"] += 1

    def since_last_shift(self, *, urine_ml_per_hour: int, iv_ml_per_hour: int) -> None:
        """The running period from the last shift change to now, so output is charted up to
        the present (the oliguria rule needs 8 h of recorded output)."""
        ends = self.shift_ends()
        start = ends[-1] if ends else self.admission.admitted_at
        hours = (self.end - start).total_seconds() / 3600
        self.fluids_for_shift(
            self.end,
            start=start,
            urine=int(urine_ml_per_hour * hours),
            iv=int(iv_ml_per_hour * hours),
            oral=0,
            # Charted up to now even just after a shift change (an hour's gap left oliguria
            # "not assessable" for the first hour of every shift); the recording service
            # refuses periods under a minute.
            shortest=timedelta(minutes=2),
        )

    def shift_ends(self) -> list[datetime]:
        """06:00, 14:00 and 22:00 local (the ward's shifts) within the stay."""
        local = timezone.localtime(self.start)
        at = local.replace(hour=6, minute=0, second=0, microsecond=0)
        ends = []
        while at <= self.end:
            if at > self.start + timedelta(hours=2):
                ends.append(at)
            at += SHIFT
        return ends

    def mornings(self) -> list[datetime]:
        return [at for at in self.shift_ends() if timezone.localtime(at).hour == 6] or [self.start]


def _steady(stay: Stay) -> None:
    """An ordinary course: fevers after doses, soft pressure, paracetamol, stable labs."""
    patient = stay.patient
    sbp0 = patient.baseline_systolic_bp or 125
    weight0 = float(patient.baseline_weight_kg)
    creatinine0 = float(patient.baseline_creatinine_mg_dl or Decimal("0.9"))
    for at in stay.times(timedelta(hours=4)):
        fever = stay.rng.random() < 0.3
        temperature = 38.2 + stay.noise(0.4) if fever else 37.0 + stay.noise(0.4)
        sbp = int(sbp0 - 8 * stay.progress(at) - 4 + stay.noise(6))
        stay.vitals(
            at,
            respiratory_rate=int(17 + stay.noise(2.5)),
            spo2=int(97 + stay.noise(1.5)),
            oxygen_device="room_air",
            systolic_bp=sbp,
            diastolic_bp=int(sbp * 0.6 + stay.noise(4)),
            heart_rate=int(84 + (16 if fever else 0) + stay.noise(8)),
            consciousness="alert",
            temperature_c=_one(temperature),
            vasopressors=[],
        )
        if fever:
            stay.paracetamol(at)
    for end in stay.shift_ends():
        stay.fluids_for_shift(end, urine=int(800 + stay.noise(150)), iv=1000, oral=400)
    stay.since_last_shift(urine_ml_per_hour=100, iv_ml_per_hour=125)
    for day, morning in enumerate(stay.mornings()):
        gain = 1 + 0.01 * day + stay.noise(0.004)
        stay.vitals(morning, weight_kg=_one(weight0 * gain), edema_grade=min(day, 1))
        stay.labs(
            morning,
            creatinine=_two(creatinine0 * (1 + 0.08 * day)),
            albumin=_one(3.9 - 0.15 * day),
            platelets=Decimal(int(210 - 20 * day + stay.noise(10))),
            bilirubin=_one(0.7 + 0.1 * day),
            bicarbonate=Decimal(int(24 - day + stay.noise(1))),
            potassium=_one(4.0 + stay.noise(0.3)),
        )


def _vascular_leak(stay: Stay) -> None:
    """Capillary leak building over the stay (clinical-rules.md §3 signs, one by one)."""
    patient = stay.patient
    sbp0 = patient.baseline_systolic_bp or 118
    weight0 = float(patient.baseline_weight_kg)
    creatinine0 = float(patient.baseline_creatinine_mg_dl or Decimal("0.9"))
    for at in stay.times(timedelta(hours=4), dense_last=timedelta(hours=8)):
        p = stay.progress(at)
        on_oxygen = p > 0.8
        sbp = int(_lerp(sbp0, 84, p) + stay.noise(3))
        temperature = _lerp(37.4, 38.3, p) + stay.noise(0.3)
        stay.vitals(
            at,
            respiratory_rate=int(_lerp(17, 24, p) + stay.noise(1)),
            spo2=int(_lerp(97, 93, p) + stay.noise(1)),
            oxygen_device="nasal_cannula" if on_oxygen else "room_air",
            oxygen_flow_l_min=Decimal("2.0") if on_oxygen else None,
            systolic_bp=sbp,
            diastolic_bp=int(sbp * 0.58),
            heart_rate=int(_lerp(88, 124, p) + stay.noise(4)),
            consciousness="alert",
            temperature_c=_one(temperature),
            edema_grade=round(_lerp(0, 3, p)),
            vasopressors=[],
        )
        if temperature >= 38.0:
            stay.paracetamol(at)
    for end in stay.shift_ends():
        p = stay.progress(end)
        stay.fluids_for_shift(end, urine=int(_lerp(900, 60, p)), iv=1200, oral=300)
    stay.since_last_shift(urine_ml_per_hour=9, iv_ml_per_hour=150)
    for morning in [*stay.mornings(), stay.end - timedelta(minutes=30)]:
        p = stay.progress(morning)
        stay.vitals(morning, weight_kg=_one(weight0 * _lerp(1.0, 1.11, p)))
        stay.labs(
            morning,
            creatinine=_two(_lerp(creatinine0, 2.6, p)),
            albumin=_one(_lerp(3.9, 2.6, p)),
            platelets=Decimal(int(_lerp(230, 95, p))),
            bilirubin=_one(_lerp(0.8, 2.1, p)),
            bicarbonate=Decimal(int(_lerp(24, 19, p))),
            potassium=_one(_lerp(4.1, 3.5, p)),
        )


def _grade_3_crs(stay: Stay) -> None:
    """Fever, then hypotension needing norepinephrine, with low-flow oxygen (ASTCT grade 3)."""
    patient = stay.patient
    sbp0 = patient.baseline_systolic_bp or 127
    for at in stay.times(timedelta(hours=4), dense_last=timedelta(hours=10)):
        p = stay.progress(at)
        pressor = p > 0.85
        febrile = p > 0.4
        sbp = int(_lerp(sbp0, 84, p) + stay.noise(3))
        temperature = (39.2 if febrile else 37.3) + stay.noise(0.3)
        stay.vitals(
            at,
            respiratory_rate=int(_lerp(17, 26, p) + stay.noise(1)),
            spo2=int(_lerp(97, 94, p) + stay.noise(1)),
            oxygen_device="nasal_cannula" if p > 0.7 else "room_air",
            oxygen_flow_l_min=Decimal("4.0") if p > 0.7 else None,
            systolic_bp=sbp,
            diastolic_bp=int(sbp * 0.55),
            heart_rate=int(_lerp(90, 132, p) + stay.noise(4)),
            consciousness="alert",
            temperature_c=_one(temperature),
            vasopressors=(
                [{"agent": "norepinephrine", "dose": Decimal("0.08"), "dose_unit": "mcg_kg_min"}]
                if pressor
                else []
            ),
            by_physician=pressor,
        )
        if febrile and stay.rng.random() < 0.5:
            stay.paracetamol(at)
    for end in stay.shift_ends():
        p = stay.progress(end)
        stay.fluids_for_shift(end, urine=int(_lerp(850, 420, p)), iv=1500, oral=200)
    stay.since_last_shift(urine_ml_per_hour=50, iv_ml_per_hour=190)
    creatinine0 = float(patient.baseline_creatinine_mg_dl or Decimal("1.0"))
    for morning in stay.mornings():
        p = stay.progress(morning)
        stay.vitals(morning, weight_kg=_one(float(patient.baseline_weight_kg) * (1 + 0.04 * p)))
        stay.labs(
            morning,
            creatinine=_two(_lerp(creatinine0, 1.7, p)),
            albumin=_one(_lerp(3.8, 3.1, p)),
            platelets=Decimal(int(_lerp(190, 110, p))),
            bilirubin=_one(_lerp(0.7, 1.5, p)),
            bicarbonate=Decimal(int(_lerp(24, 20, p))),
            potassium=_one(_lerp(4.0, 3.6, p)),
        )


STORIES: dict[str, Callable[[Stay], None]] = {
    VASCULAR_LEAK_MRN: _vascular_leak,
    GRADE_3_CRS_MRN: _grade_3_crs,
}


@transaction.atomic
def load_demo_observations(
    *, nurse: Any, physician: Any, now: datetime | None = None
) -> dict[str, int]:
    """Record the demo ward's vitals, fluids, labs and supportive medications.

    Call after the demo admissions are open. Patients who already have vitals are left alone,
    so calling it twice writes nothing more. Returns the number of records of each kind.
    """
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    stays = (
        Admission.objects.filter(discharged_at__isnull=True, patient__mrn__startswith="DEMO-")
        .select_related("patient")
        .order_by("patient__mrn")
    )
    for admission in stays:
        if VitalSigns.objects.filter(patient_id=admission.patient_id).exists():
            continue
        seeded = random.Random(admission.patient.mrn)  # noqa: S311 (invented demo numbers)
        stay = Stay(admission, nurse, physician, now, seeded, counts)
        STORIES.get(admission.patient.mrn, _steady)(stay)
    return dict(counts)
