"""Server time and query count of the clinician pages (issue #7), on the real PostgreSQL:

    .venv/bin/python bench/board.py --repeat 30

A scratch test database is created and dropped. The ward grows to 10, 60 and 200 admitted
patients, each with 14 days of 2-hourly vitals (bulk-created, with NEWS2 computed by the real
scorer), urine every 4 h, creatinine twice a day, an IL-2 course part-way through cycle 1, and
one evaluation by the monitor (MonitorState and alerts from the real rules). At each size the
board page, its polled rows and the handover are requested through Django's test client
(``--repeat`` times after one warm-up) and the median, p95 and query count are reported. Then
the chart of one patient whose whole cycle (14 doses, 12 given and 2 held) is over, for the
whole cycle and the 72 h window. Prints a Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "il2monitor.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DAYS = 14
SIZES = (10, 60, 200)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def vitals_rows(patient: Any, admission: Any, now: Any, rng: random.Random) -> list[Any]:
    """2-hourly sets over 14 days with plausible, slowly drifting values; weight daily."""
    from patients.models import VitalSigns
    from patients.services.vitals import news2_for

    rows = []
    for step in range(DAYS * 12, 0, -1):
        taken = now - timedelta(hours=2 * step)
        on_oxygen = rng.random() < 0.15
        vitals = VitalSigns(
            patient=patient,
            admission=admission,
            taken_at=taken,
            respiratory_rate=rng.randint(13, 23),
            spo2=rng.randint(92, 99),
            oxygen_device="nasal_cannula" if on_oxygen else "room_air",
            oxygen_flow_l_min=Decimal(2) if on_oxygen else None,
            systolic_bp=rng.randint(92, 138),
            diastolic_bp=rng.randint(52, 80),
            heart_rate=rng.randint(68, 118),
            consciousness="alert",
            temperature_c=Decimal(rng.randint(365, 388)) / 10,
            weight_kg=patient.baseline_weight_kg + Decimal(rng.randint(0, 40)) / 10
            if step % 12 == 0
            else None,
            vasopressors_recorded=True,
        )
        vitals.store_news2(news2_for(vitals, spo2_scale=1))
        rows.append(vitals)
    return rows


def add_patients(count: int, start: int, users: dict[str, Any], now: Any) -> list[Any]:
    from patients.models import Admission, FluidEntry, LabResult, Patient, VitalSigns
    from therapy.mar import courses
    from therapy.models import Dose, DoseStatus
    from therapy.monitor.evaluation import evaluation_run

    rng = random.Random(start)  # noqa: S311 (plausible values, not secrets)
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"BENCH-{start + i:05d}",
            given_name="Bench",
            family_name=f"Patient{start + i:03d}",
            birth_date="1962-05-01",
            sex="female",
            diagnosis="metastatic_melanoma",
            baseline_weight_kg=Decimal("72.0"),
            baseline_creatinine_mg_dl=Decimal("0.90"),
        )
        for i in range(count)
    )
    admissions = Admission.objects.bulk_create(
        Admission(
            patient=p, ward="7B Oncology", bed=str(start + i + 1), admitted_at=now - timedelta(DAYS)
        )
        for i, p in enumerate(patients)
    )
    vitals, fluids, labs = [], [], []
    for patient, stay in zip(patients, admissions, strict=True):
        vitals += vitals_rows(patient, stay, now, rng)
        for step in range(DAYS * 6, 0, -1):
            end = now - timedelta(hours=4 * (step - 1))
            fluids.append(
                FluidEntry(
                    patient=patient,
                    admission=stay,
                    direction="output",
                    route="urine",
                    volume_ml=rng.randint(120, 420),
                    period_start=end - timedelta(hours=4),
                    period_end=end,
                )
            )
        for step in range(DAYS * 2, 0, -1):
            labs.append(
                LabResult(
                    patient=patient,
                    admission=stay,
                    test="creatinine",
                    value=Decimal(rng.randint(80, 160)) / 100,
                    unit="mg/dL",
                    collected_at=now - timedelta(hours=12 * step),
                )
            )
    VitalSigns.objects.bulk_create(vitals, batch_size=2000)
    FluidEntry.objects.bulk_create(fluids, batch_size=2000)
    LabResult.objects.bulk_create(labs, batch_size=2000)
    for patient in patients:
        # Cycle 1 started 0.5-4 days ago: the past doses given (every seventh held).
        started = now - timedelta(hours=rng.randint(12, 96))
        course = courses.course_order(
            patient=patient, by=users["physician"], cycle_1_start=started, now=started
        )
        past = list(course.doses.filter(scheduled_at__lt=now - timedelta(hours=1)))
        decide_doses(past, users, Dose, DoseStatus)
        evaluation_run(patient_id=patient.pk, reason="manual", now=now)
    return patients


def decide_doses(doses: list[Any], users: dict[str, Any], dose_model: Any, status: Any) -> None:
    for dose in doses:
        if dose.number % 7 == 0:
            dose_model.objects.filter(pk=dose.pk).update(
                status=status.HELD,
                held_at=dose.scheduled_at,
                held_by=users["nurse"],
                hold_reasons=["sbp_lt_90"],
            )
        else:
            dose_model.objects.filter(pk=dose.pk).update(
                status=status.GIVEN,
                given_at=dose.scheduled_at + timedelta(minutes=5),
                given_by=users["nurse"],
                verified_by=users["checker"],
                precheck={"recommendation": "give"},
            )


def timed(client: Any, url: str, repeat: int, **headers: Any) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # a request resets the log itself; start the count from an empty one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)  # warm-up, and the query count
    assert response.status_code == 200, (url, response.status_code)
    count = len(queries)  # now: the next request empties the log the count reads
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return times, count


def row(name: str, times: list[float], queries: int) -> str:
    p50, p95 = percentile(times, 0.5) * 1e3, percentile(times, 0.95) * 1e3
    return f"| {name} | {len(times)} | {p50:.1f} | {p95:.1f} | {queries} |"


def machine() -> str:
    from django import get_version
    from django.db import connection

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}, Django {get_version()}, PostgreSQL {postgres} "
        "(same machine, test settings, DEBUG off)"
    )


def measure(repeat: int) -> list[str]:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from patients.models import VitalSigns
    from tests.support.factories import UserFactory

    users = {
        "nurse": UserFactory(role="nurse", username="bench.nurse"),
        "checker": UserFactory(role="nurse", username="bench.checker"),
        "physician": UserFactory(role="physician", username="bench.physician"),
    }
    client = Client()
    client.force_login(users["nurse"])
    now = timezone.now()
    lines = [
        f"Machine: {machine()}.",
        "",
        "| request | n | median ms | p95 ms | queries |",
        "| --- | --- | --- | --- | --- |",
    ]
    created = 0
    for size in SIZES:
        started = time.perf_counter()
        add_patients(size - created, created, users, now)
        created = size
        setup = time.perf_counter() - started
        vitals = VitalSigns.objects.count()
        print(f"{size} patients ready ({vitals} vitals sets, {setup:.0f} s)", file=sys.stderr)
        board = reverse("therapy:board")
        lines.append(row(f"board, {size} patients", *timed(client, board, repeat)))
        rows = reverse("therapy:board-rows")
        lines.append(
            row(
                f"board rows (poll), {size} patients",
                *timed(client, rows, repeat, HTTP_HX_REQUEST="true"),
            )
        )
        handover = reverse("therapy:handover")
        lines.append(
            row(f"handover, {size} patients", *timed(client, handover, max(repeat // 3, 5)))
        )

    # One patient whose whole cycle is over: 14 doses, 12 given and 2 held.
    whole = add_patients(1, created, users, now)[0]
    course = whole.courses.get()
    from therapy.models import Dose, DoseStatus

    first = now - timedelta(hours=8 * 14 + 4)
    for dose in course.doses.order_by("number"):
        Dose.objects.filter(pk=dose.pk).update(
            scheduled_at=first + timedelta(hours=8 * (dose.number - 1)), status=DoseStatus.SCHEDULED
        )
    decide_doses(list(course.doses.all()), users, Dose, DoseStatus)
    chart = reverse("therapy:chart", args=[whole.pk])
    lines.append(
        row("chart, whole cycle (5 days)", *timed(client, chart + "?window=cycle", repeat))
    )
    lines.append(row("chart, 72 h", *timed(client, chart + "?window=72h", repeat)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from patients import monitor_hook

    # The bench evaluates each patient itself (``evaluation_run``); enqueue nothing on Redis.
    monitor_hook._listeners.clear()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        lines = measure(args.repeat)
    finally:
        teardown_databases(databases, verbosity=0)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
