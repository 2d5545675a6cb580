"""Server time and query count of the clinician pages (issues #7 and #16), on the real
PostgreSQL and Redis:

    .venv/bin/python bench/board.py --repeat 30

A scratch test database is created and dropped. The ward grows to 10, 60 and 200 admitted
patients, each with 14 days of 2-hourly vitals (bulk-created, with NEWS2 computed by the real
scorer), urine every 4 h, creatinine twice a day, an IL-2 course part-way through cycle 1, and
one evaluation by the monitor (MonitorState and alerts from the real rules). At each size,
through Django's test client (``--repeat`` times after a warm-up; median, p95, query count,
rows built and bytes sent):

- the board page with every row kept (the rows cache is warm), and with every row changed
  (each patient's state version bumped before each request: every row read and drawn);
- the board's poll (issue 16 item 3) with the token of the current board (the steady state:
  nothing changed), after 1 of the N patients changed (a different one each time; the poll
  sends the token it got the time before), after every patient changed (each patient's state
  version bumped: what every monitor tick did before an evaluation that finds what is stored
  left the version alone), after a real monitor tick of every patient (``evaluation_run``,
  reason ``tick``, on the unchanged record), and without a token (the whole table, from kept
  rows);
- the handover.

Then the chart of one patient whose whole cycle (14 doses, 12 given and 2 held) is over, for
the whole cycle and the 72 h window. Prints a Markdown section for docs/benchmarks.md, with
the load average at each size. It creates the worktree's test database, as pytest does: never
run it while this worktree's pytest runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import re
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


def timed(
    client: Any,
    url: str,
    repeat: int,
    *,
    before: Any = None,
    after: Any = None,
    **headers: Any,
) -> tuple[list[float], int, dict[str, float]]:
    """``repeat`` timed GETs after a warm-up and a counted one; ``before`` runs untimed before
    each request and may return query parameters, ``after`` gets each response (untimed).
    Returns the times, the query count and the median rows built and bytes."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from therapy.pages import board_cache

    built: list[int] = []
    original = board_cache.CachedBoard._build

    def counting_build(board: Any, stays: Any) -> Any:
        built.append(len(stays))
        return original(board, stays)

    board_cache.CachedBoard._build = counting_build  # type: ignore[method-assign]
    try:
        for _ in ("warm-up", "counted"):
            params = before() if before else {}
            reset_queries()  # a request resets the log itself; count from an empty one
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params or {}, **headers)
            assert response.status_code == 200, (url, response.status_code)
            count = len(queries)  # now: the next request empties the log the count reads
            if after:
                after(response)
        times, rows, sizes = [], [], []
        for _ in range(repeat):
            params = before() if before else {}
            built.clear()
            start = time.perf_counter()
            response = client.get(url, params or {}, **headers)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
            rows.append(sum(built))
            sizes.append(len(response.content))
            if after:
                after(response)
    finally:
        board_cache.CachedBoard._build = original  # type: ignore[method-assign]
    return times, count, {"built": percentile(rows, 0.5), "bytes": percentile(sizes, 0.5)}


def row(name: str, times: list[float], queries: int, extra: dict[str, float]) -> str:
    p50, p95 = percentile(times, 0.5) * 1e3, percentile(times, 0.95) * 1e3
    built, size = int(extra["built"]), extra["bytes"] / 1024
    return f"| {name} | {len(times)} | {p50:.1f} | {p95:.1f} | {queries} | {built} | {size:.1f} |"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f}"


TOKEN = re.compile(rb'id="board-token" name="token" value="([0-9a-f]{32})"')


class Reader:
    """A board left open: the token of the board it was last sent."""

    def __init__(self, client: Any, board_url: str) -> None:
        response = client.get(board_url)
        self.token = self.read(response)

    def read(self, response: Any) -> str:
        found = TOKEN.search(response.content)
        assert found, "no board token in the answer"
        self.token = found.group(1).decode()
        return self.token


def machine() -> str:
    from django import get_version
    from django.db import connection

    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
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
        "| request | n | median ms | p95 ms | queries | rows built | KiB sent |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    loads = []
    created = 0
    from patients.models import Patient
    from therapy.models import StateDocument

    board = reverse("therapy:board")
    rows = reverse("therapy:board-rows")
    hx = {"HTTP_HX_REQUEST": "true"}
    for size in SIZES:
        started = time.perf_counter()
        add_patients(size - created, created, users, now)
        created = size
        setup = time.perf_counter() - started
        vitals = VitalSigns.objects.count()
        print(f"{size} patients ready ({vitals} vitals sets, {setup:.0f} s)", file=sys.stderr)
        ids = list(Patient.objects.values_list("pk", flat=True))

        def every_row_changed(ids: list[Any] = ids) -> dict[str, str]:
            StateDocument.objects.invalidate(ids)
            return {}

        lines.append(row(f"board page, {size} patients, rows kept", *timed(client, board, repeat)))
        lines.append(
            row(
                f"board page, {size} patients, every row changed",
                *timed(client, board, max(repeat // 3, 5), before=every_row_changed),
            )
        )
        reader = Reader(client, board)
        lines.append(
            row(
                f"poll, {size} patients, token current (nothing changed)",
                *timed(
                    client,
                    rows,
                    repeat,
                    before=lambda reader=reader: {"token": reader.token},
                    after=reader.read,
                    **hx,
                ),
            )
        )
        turn = iter(range(10**6))

        def one_changed(
            reader: Reader = reader, ids: list[Any] = ids, turn: Any = turn
        ) -> dict[str, str]:
            StateDocument.objects.invalidate([ids[next(turn) % len(ids)]])
            return {"token": reader.token}

        lines.append(
            row(
                f"poll, {size} patients, 1 of {size} changed",
                *timed(client, rows, repeat, before=one_changed, after=reader.read, **hx),
            )
        )

        def all_changed(reader: Reader = reader, ids: list[Any] = ids) -> dict[str, str]:
            StateDocument.objects.invalidate(ids)  # as a monitor tick of every patient does
            return {"token": reader.token}

        lines.append(
            row(
                f"poll, {size} patients, every row changed (as after a monitor tick)",
                *timed(
                    client, rows, max(repeat // 3, 5), before=all_changed, after=reader.read, **hx
                ),
            )
        )

        def ticked(reader: Reader = reader, ids: list[Any] = ids) -> dict[str, str]:
            from therapy.monitor.evaluation import evaluation_run

            for patient_id in ids:  # the monitor's tick, as its task runs it
                evaluation_run(patient_id=patient_id, reason="tick")
            return {"token": reader.token}

        lines.append(
            row(
                f"poll, {size} patients, after a monitor tick of every patient",
                *timed(client, rows, max(repeat // 3, 5), before=ticked, after=reader.read, **hx),
            )
        )
        lines.append(
            row(
                f"poll, {size} patients, no token (whole table, rows kept)",
                *timed(client, rows, repeat, **hx),
            )
        )
        handover = reverse("therapy:handover")
        lines.append(
            row(f"handover, {size} patients", *timed(client, handover, max(repeat // 3, 5)))
        )
        loads.append(f"{size}: {load()}")

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
    lines += ["", f"Load average (1 / 5 min) after each size: {'; '.join(loads)}."]
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
