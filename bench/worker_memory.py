"""A worker's resident memory after 1,000 and after 10,000 evaluations (issue 16 item 5): the
second within 10 % of the first, or something is kept per evaluation.

    .venv/bin/python bench/worker_memory.py            # ~10–20 min on 2 cores

A scratch test database (created and dropped) with ``--patients`` admitted patients, each on
an IL-2 course with a day of 2-hourly vitals and a grade 3 CRS picture in the newest set (so
every evaluation reconciles open alerts and stores a summary document); one real worker
process (solo pool, as in the tests) runs ``patient_evaluate`` for patient after patient, in
batches whose results are awaited. Its resident set size (VmRSS from /proc) is read after
100 (warm), 1,000, 5,000 and 10,000 evaluations. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "il2monitor.settings.test")
os.environ.setdefault("TEST_RESULT_BACKEND", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Its own database and queue: a test run on the same machine never shares them.
os.environ.setdefault("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/il2bench_memory")
os.environ.setdefault("CELERY_QUEUE", "il2-bench-memory")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def ward(patients: int) -> list[str]:
    from django.utils import timezone

    from patients.services.vitals import vitals_record
    from tests.support.factories import AdmissionFactory, UserFactory
    from tests.support.therapy_fixtures import CRS_GRADE_3, order_course

    nurse = UserFactory(role="nurse", username="bench.nurse")
    physician = UserFactory(role="physician", username="bench.physician")
    ids = []
    for number in range(patients):
        patient = AdmissionFactory(bed=f"M{number}").patient
        order_course(patient, physician, first_dose_in=timedelta(hours=3))
        now = timezone.now()
        for hours in range(24, 0, -2):
            vitals_record(
                patient=patient,
                by=nurse,
                taken_at=now - timedelta(hours=hours),
                respiratory_rate=16,
                spo2=97,
                oxygen_device="room_air",
                systolic_bp=120,
                diastolic_bp=75,
                heart_rate=80,
                consciousness="alert",
                temperature_c=Decimal("37.0"),
            )
        vitals_record(
            patient=patient,
            by=nurse,
            taken_at=now,
            **{
                "respiratory_rate": 20,
                "spo2": 95,
                "oxygen_device": "room_air",
                "systolic_bp": 100,
                "diastolic_bp": 60,
                "heart_rate": 100,
                "consciousness": "alert",
                **CRS_GRADE_3,
            },
        )
        ids.append(str(patient.pk))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--evaluations", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    databases = setup_databases(verbosity=0, interactive=False)
    readings: list[tuple[int, int, float]] = []
    try:
        from tests.support.worker_process import start_worker, stop
        from therapy.tasks import patient_evaluate

        ids = ward(args.patients)
        # Recording the ward published an evaluation per set on commit: not ours to wait
        # behind (hundreds of them would time the first batch out).
        from il2monitor.celery import app

        app.control.purge()
        worker = start_worker()
        checkpoints = {100, 1_000, 5_000, args.evaluations}
        started = time.monotonic()
        try:
            done = 0
            while done < args.evaluations:
                # "vitals": the path of every new bedside record, both steps (issue 16).
                batch = [
                    patient_evaluate.delay(ids[(done + n) % len(ids)], "vitals")
                    for n in range(args.batch)
                ]
                for result in batch:
                    try:
                        result.get(timeout=120)
                    except Exception:
                        print(worker.said()[-5000:], file=sys.stderr)
                        raise
                done += len(batch)
                if done in checkpoints:
                    readings.append((done, rss_kib(worker.pid), time.monotonic() - started))
                    print(readings[-1], flush=True)
        finally:
            stop(worker)
    finally:
        teardown_databases(databases, verbosity=0)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; one worker, solo pool; {args.patients} patients; "
        f"load average at the end (1, 5, 15 min) {load}\n"
    )
    print("| evaluations | worker RSS MiB | elapsed s |\n| --- | --- | --- |")
    for done, kib, elapsed in readings:
        print(f"| {done:,} | {kib / 1024:.1f} | {elapsed:.0f} |")
    at = {done: kib for done, kib, _ in readings}
    growth = at[args.evaluations] / at[1_000] - 1
    print(f"\nAfter {args.evaluations:,} against after 1,000: {growth:+.1%} (the target: ≤ 10 %).")


if __name__ == "__main__":
    main()
