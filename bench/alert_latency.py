"""Latency from a vitals POST to its alert row, and an empty Celery task's round trip on the
same Redis, in one run (issue #6). Run with the real PostgreSQL and Redis:

    .venv/bin/python bench/alert_latency.py --posts 300

A scratch test database is created and dropped; one real worker process (solo pool) serves
both measurements. Each post goes to a fresh admitted patient with a grade 3 CRS picture, so
every post opens exactly one ``crs`` alert; latency is POST start → alert row visible (polled
every 2 ms). The empty task is ``therapy.tasks.ping`` (publish → worker → result on Redis).
Prints a Markdown table for docs/benchmarks.md.

Two series of posts (issue 16): **back to back** (the next POST as soon as the alert is seen,
so it may wait behind the rest of the previous evaluation in the one solo worker: the
worker's throughput, as in round 2), and **settled** (the next POST once the previous task
has finished, its summary document stored: the latency a record meets on a worker that is not
busy, which is what the empty task's round trip is measured on). Set ``TEST_RESULT_BACKEND``
(a Redis URL; default ``redis://127.0.0.1:6379/13``) for the empty task's result.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "il2monitor.settings.test")
os.environ.setdefault("TEST_RESULT_BACKEND", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Its own database and queue: a test run on the same machine never shares them.
os.environ.setdefault("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/il2bench_latency")
os.environ.setdefault("CELERY_QUEUE", "il2-bench-latency")

VITALS = {
    "respiratory_rate": 20,
    "spo2": 95,
    "oxygen_device": "room_air",
    "systolic_bp": 84,
    "diastolic_bp": 50,
    "heart_rate": 118,
    "consciousness": "alert",
    "temperature_c": "38.7",
    "vasopressors": [{"agent": "norepinephrine", "dose": "0.08", "dose_unit": "mcg_kg_min"}],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    posts: int, pings: int
) -> tuple[list[float], list[float], list[float], list[float], list[float]]:
    from django.test.utils import override_settings
    from django.utils import timezone
    from rest_framework.test import APIClient

    from tests.support.factories import AdmissionFactory, UserFactory
    from tests.support.worker_process import start_worker, stop
    from therapy.models import Alert, StateDocument
    from therapy.tasks import ping

    client = APIClient()
    client.force_authenticate(UserFactory(role="nurse", username="bench.nurse"))
    patients = [AdmissionFactory(bed=f"B{i}").patient for i in range(2 * posts)]

    answered: list[float] = []  # the POST's own answer, of each settled post

    def post_until_alert(patient: Any) -> float:
        start = time.perf_counter()
        body = {**VITALS, "taken_at": timezone.now().isoformat()}
        response = client.post(f"/api/v1/patients/{patient.pk}/vitals/", body, format="json")
        answered.append(time.perf_counter() - start)
        if response.status_code != 201:
            raise SystemExit(f"POST failed: {response.status_code} {response.content!r}")
        while not Alert.objects.filter(patient=patient, kind="crs").exists():
            time.sleep(0.002)
        return time.perf_counter() - start

    def settle(patient: Any) -> None:
        """Until the task has finished: its last act is to store the summary document."""
        deadline = time.monotonic() + 30
        stored = StateDocument.objects.filter(pk=patient.pk).exclude(etag="")
        while not stored.exists() and time.monotonic() < deadline:
            time.sleep(0.002)

    worker = start_worker()
    try:
        ping.delay().get(timeout=30)  # warm up the worker and the result connection
        back_to_back = [post_until_alert(patient) for patient in patients[:posts]]
        settle(patients[posts - 1])
        answered.clear()
        settled = []
        for patient in patients[posts:]:
            settled.append(post_until_alert(patient))
            settle(patient)
        round_trips = []
        for _ in range(pings):
            start = time.perf_counter()
            ping.delay().get(timeout=30)
            round_trips.append(time.perf_counter() - start)
        # The framework's floor for the POST itself: a bare DRF endpoint that validates the
        # same body and inserts one row (bench/bare_urls.py, as for ingestion), same client.
        bare = []
        with override_settings(ROOT_URLCONF="bare_urls"):
            for patient in patients[posts:]:
                body = {**VITALS, "taken_at": timezone.now().isoformat()}
                start = time.perf_counter()
                response = client.post(f"/bench/bare/{patient.pk}/vitals/", body, format="json")
                bare.append(time.perf_counter() - start)
                if response.status_code != 201:
                    raise SystemExit(f"bare POST failed: {response.status_code}")
    finally:
        stop(worker)
    return back_to_back, settled, answered, round_trips, bare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--pings", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    databases = setup_databases(verbosity=0, interactive=False)
    load_before = os.getloadavg()
    try:
        back_to_back, settled, answered, round_trips, bare = measure(args.posts, args.pings)
    finally:
        teardown_databases(databases, verbosity=0)
    load_after = os.getloadavg()

    def row(name: str, values: list[float]) -> str:
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        mean = statistics.mean(values)
        return f"| {name} | {len(values)} | {p50 * 1e3:.1f} | {p95 * 1e3:.1f} | {mean * 1e3:.1f} |"

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.1f}' for x in load_after)}"
    )
    print("| measure | n | p50 ms | p95 ms | mean ms |\n| --- | --- | --- | --- | --- |")
    print(row("vitals POST → `crs` alert row, settled (real worker)", settled))
    print(row("… of which the POST's answer (in-process test client)", answered))
    after = [total - post for total, post in zip(settled, answered, strict=True)]
    print(row("… and its answer → the alert row (publish, worker, urgent step)", after))
    print(row("vitals POST → `crs` alert row, back to back", back_to_back))
    print(row("empty task round trip (`therapy.tasks.ping`)", round_trips))
    print(row("floor: a bare DRF POST's answer (validate, insert one row)", bare))
    for name, values in (("settled", settled), ("back to back", back_to_back)):
        ratio50 = percentile(values, 0.5) / percentile(round_trips, 0.5)
        ratio95 = percentile(values, 0.95) / percentile(round_trips, 0.95)
        print(f"\nRatio to the empty task, {name}: p50 {ratio50:.1f}×, p95 {ratio95:.1f}×")
    floor50 = percentile(bare, 0.5) / percentile(round_trips, 0.5)
    floor95 = percentile(bare, 0.95) / percentile(round_trips, 0.95)
    print(f"\nThe bare POST alone to the empty task: p50 {floor50:.1f}×, p95 {floor95:.1f}×")


if __name__ == "__main__":
    main()
