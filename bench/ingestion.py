"""Vitals ingestion under load (issue 16 item 4): the app's ``POST
/api/v1/patients/{id}/vitals/`` against a bare DRF endpoint that validates the same body and
inserts one row, side by side in one run, each under wrk with 16 connections.

    apt-get install wrk
    .venv/bin/python bench/ingestion.py        # ~3 min; prints Markdown for docs/benchmarks.md

A scratch PostgreSQL database (dropped at the end) with ``--patients`` admitted patients, a
nurse's write token; gunicorn (``--workers`` sync workers) with the production settings and
the bench's URLs (``bench/bare_urls.py``: the app's, plus the bare endpoint, which the app never
routes). The app's POST does what a tablet's does: validation with the clinical limits, NEWS2,
the insert, its history row, the summary document made out of date, and the monitor's task
published to Redis on commit (nobody consumes it here; the queue is purged at the end). The
floor authenticates, throttles and validates the same way and inserts one row. Each request
posts a fresh set to a random patient; requests answering anything but 201 are counted and
must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from summary_load import QUEUE, REDIS_URL, admin_sql, bench_env, serve

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
wrk.method = "POST"
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Host"] = "127.0.0.1"
local body = os.getenv("BENCH_BODY")
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + seed) end
function request() return wrk.format("POST", paths[math.random(#paths)], nil, body) end
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
    .. '"non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def prepare(patients: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.utils import timezone

    from il2monitor.tokens.services import api_token_create
    from patients.models import Admission, Patient

    call_command("migrate", verbosity=0)
    nurse = User.objects.create_user("bench.nurse", password="x" * 20)
    nurse.groups.add(Group.objects.get(name="nurse"))
    token = api_token_create(user=nurse, name="bench", scope="read_write", by=None).key
    ids = []
    for number in range(patients):
        patient = Patient.objects.create(
            mrn=f"BENCH{number:05d}",
            given_name="Bench",
            family_name=f"Patient {number}",
            birth_date="1970-01-01",
            sex="female",
            baseline_weight_kg=70,
        )
        Admission.objects.create(
            patient=patient,
            ward="Bench",
            bed=str(number + 1),
            admitted_at=timezone.now() - timedelta(days=1),
        )
        ids.append(str(patient.pk))
    return {"token": token, "patient_ids": ids}


def run_wrk(port: int, token: str, paths: list[str], seconds: int, args: Any, work: Path) -> dict:
    from django.utils import timezone

    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    (work / "post.lua").write_text(LUA)
    body = {
        "taken_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "respiratory_rate": 18,
        "spo2": 96,
        "oxygen_device": "room_air",
        "systolic_bp": 118,
        "diastolic_bp": 72,
        "heart_rate": 88,
        "consciousness": "alert",
        "temperature_c": "37.4",
    }
    env = {
        **os.environ,
        "BENCH_PATHS": str(work / "paths.txt"),
        "BENCH_TOKEN": token,
        "BENCH_BODY": json.dumps(body),
    }
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s"]
    command += ["--timeout", "10s"]
    command += ["-s", str(work / "post.lua"), f"http://127.0.0.1:{port}"]
    output = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{output}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["load"] = os.getloadavg()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=30, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8932)
    parser.add_argument("--database", default="il2bench_ingestion")
    args = parser.parse_args()

    admin_sql(f'DROP DATABASE IF EXISTS "{args.database}"')
    admin_sql(f'CREATE DATABASE "{args.database}"')
    env = {**bench_env(args.database), "DJANGO_SETTINGS_MODULE": "bench.bench_settings"}
    env["PYTHONPATH"] = str(ROOT)
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    import django

    django.setup()
    server = None
    work = Path(tempfile.mkdtemp(prefix="il2-bench-ingest-"))
    results: dict[str, list[dict]] = {"bare DRF endpoint (floor)": [], "app vitals POST": []}
    try:
        ward = prepare(args.patients)
        random.seed(16)
        server = serve(env, args.port, args.workers, work / "gunicorn.log")
        paths = {
            "bare DRF endpoint (floor)": [
                f"/bench/bare/{pk}/vitals/" for pk in ward["patient_ids"]
            ],
            "app vitals POST": [f"/api/v1/patients/{pk}/vitals/" for pk in ward["patient_ids"]],
        }
        for options in paths.values():  # warm-up: connections, caches, the first rows
            run_wrk(args.port, ward["token"], options, args.warmup, args, work)
        for _ in range(args.rounds):  # alternate, so drift in the machine's load hits both
            for name, options in paths.items():
                results[name].append(
                    run_wrk(args.port, ward["token"], options, args.duration, args, work)
                )
                print(name, results[name][-1], flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        import redis

        broker = redis.Redis.from_url(REDIS_URL)
        broker.delete(QUEUE, *broker.keys(f"_kombu.binding*.{QUEUE}"))
        admin_sql(f'DROP DATABASE IF EXISTS "{args.database}"')

    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers; wrk "
        f"{args.threads} threads × {args.connections} connections, {args.duration} s × "
        f"{args.rounds} rounds each, alternating\n"
    )
    print("| endpoint | requests | req/s | p50 ms | p95 ms | errors | load avg |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rates = {}
    for name, runs in results.items():
        requests = sum(r["requests"] for r in runs)
        seconds = sum(r["duration_us"] for r in runs) / 1e6
        rates[name] = requests / seconds
        p50 = sorted(r["p50_us"] for r in runs)[len(runs) // 2] / 1e3
        p95 = max(r["p95_us"] for r in runs) / 1e3
        errors = sum(r["non_2xx"] + r["socket_errors"] for r in runs)
        load = sum(r["load"] for r in runs) / len(runs)
        print(
            f"| {name} | {requests} | {rates[name]:.0f} | {p50:.1f} | {p95:.1f} | {errors} | "
            f"{load:.1f} |"
        )
    ratio = rates["app vitals POST"] / rates["bare DRF endpoint (floor)"]
    print(f"\nThe app's throughput is {ratio:.2f}× the floor's (the target: ≥ 0.5×).")


if __name__ == "__main__":
    main()
