"""The patient summary under concurrent load (issue #8), against a framework floor in the same
run, at 1,000 patients × 14 days of 2-hourly vitals and again at 10× the history.

    apt-get install wrk                      # the load generator (Debian package)
    .venv/bin/python bench/summary_load.py   # ~10 min; prints Markdown for docs/benchmarks.md

What it does, all on loopback:

1. creates a scratch PostgreSQL database (dropped at the end unless ``--keep``) and migrates it;
2. loads the ward: ``--patients`` admitted patients (50 a ward), each on an IL-2 course with
   doses given and held, ``--days`` of vitals every 2 h (bulk SQL), every tenth patient with a
   grade 3 CRS picture in the newest set, then one monitor evaluation each (monitor state,
   alerts) — the state the summary reads;
3. starts gunicorn (``--workers`` sync workers) with the production settings and persistent
   database connections (``DATABASE_CONN_MAX_AGE=600``), token throttling on in Redis (with a
   rate no run reaches);
4. runs wrk (``--connections`` connections, ``--duration`` s each) with a read-only API token
   against, in turn: the framework floor ``GET /fhir/r4/metadata`` (token, user permissions,
   throttle counter, a static body: every cost but the summary's own), the summary
   ``GET /api/v1/patients/{random}/summary/``, and the ward list
   ``GET /api/v1/summaries/?ward={random}`` (50 summaries a page);
5. adds 9× the history again (older sets, so the newest set is unchanged), ANALYZE, and
   repeats step 4.

Latencies are wrk's (per request, from the client, p50/p95); requests failing or answering
anything but 2xx are counted and must be 0. The queries each endpoint makes, and its median
time alone (in-process, one request after another), are measured at both history sizes. The
load average printed with each run includes the benchmark's own processes.
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
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
QUEUE = "il2-bench-summary"  # tasks the loading publishes (nobody consumes them): purged
PER_WARD = 50
LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
wrk.headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
wrk.headers["Accept"] = "application/json"
wrk.headers["Host"] = "127.0.0.1"
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + seed) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"mean_us": %.1f, "non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def bench_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "il2monitor.settings.production",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": QUEUE,
        "SECURE_SSL_REDIRECT": "False",
        "API_TOKEN_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
    }


def admin_sql(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


# --- Loading the ward ----------------------------------------------------------------------
def insert_vitals(*, start: Any, end: Any, nurse_id: int) -> int:
    """Normal 2-hourly sets (NEWS2 0, stored as the service stores it) for every admitted
    bench patient, ``start`` ≤ taken_at ≤ ``end``, in one INSERT … SELECT."""
    from django.db import connection

    from patients.models import VitalSigns

    values = {
        "id": "gen_random_uuid()",
        "patient_id": "a.patient_id",
        "admission_id": "a.id",
        "client_id": "NULL",
        "entered_by_id": "%(nurse)s",
        "created_at": "t",
        "updated_at": "t",
        "entered_in_error": "false",
        "entered_in_error_reason": "''",
        "entered_in_error_at": "NULL",
        "entered_in_error_by_id": "NULL",
        "taken_at": "t",
        "respiratory_rate": "14 + (random() * 4)::int",
        "spo2": "96 + (random() * 3)::int",
        "oxygen_device": "'room_air'",
        "oxygen_flow_l_min": "NULL",
        "systolic_bp": "112 + (random() * 20)::int",
        "diastolic_bp": "68 + (random() * 10)::int",
        "heart_rate": "70 + (random() * 18)::int",
        "consciousness": "'alert'",
        "temperature_c": "36.5 + round((random() * 0.6)::numeric, 1)",
        "weight_kg": "NULL",
        "edema_grade": "NULL",
        "vasopressors_recorded": "true",
        "oxygen_for_comfort": "false",
        "source": "'nurse'",
        "device_id": "''",
        "news2_total": "0",
        "news2_band": "'low'",
        "news2_red_flag": "false",
        "news2_respiratory_rate": "0",
        "news2_spo2": "0",
        "news2_air_or_oxygen": "0",
        "news2_systolic_bp": "0",
        "news2_heart_rate": "0",
        "news2_consciousness": "0",
        "news2_temperature": "0",
        "news2_missing": "'[]'::jsonb",
        "news2_spo2_scale": "1",
        "news2_algorithm_version": "'news2-rcp-2017'",
    }
    columns = [field.column for field in VitalSigns._meta.concrete_fields]
    assert sorted(columns) == sorted(values), set(columns) ^ set(values)
    # Column names and expressions come from this module; the values are parameters.
    sql = (
        f"INSERT INTO {VitalSigns._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values[c] for c in columns)} "
        "FROM patients_admission a, "
        "generate_series(%(start)s::timestamptz, %(end)s::timestamptz, interval '2 hours') t "
        "WHERE a.ward LIKE 'Bench %%' AND a.discharged_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"nurse": nurse_id, "start": start, "end": end})
        return cursor.rowcount


def load_ward(patients: int, days: int) -> dict[str, Any]:
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db.models import F
    from django.utils import timezone

    from il2monitor.tokens.services import api_token_create
    from patients.models import Admission, Patient
    from patients.services.vitals import vitals_record
    from therapy.api.summary import summary_document_refresh
    from therapy.mar import courses
    from therapy.models import Dose, DoseStatus
    from therapy.monitor.evaluation import evaluation_run

    call_command("migrate", verbosity=0)

    def user(username: str, role: str) -> Any:
        person = User.objects.create_user(username, password="bench-not-secret")  # noqa: S106
        person.groups.add(Group.objects.get(name=role))
        return person

    nurse, verifier = user("bench.nurse", "nurse"), user("bench.nurse2", "nurse")
    physician = user("bench.physician", "physician")
    registry = user("bench.registry", "api_client")
    key = api_token_create(user=registry, name="bench registry", scope="read", by=None).key
    now = timezone.now()
    people = Patient.objects.bulk_create(
        Patient(
            mrn=f"BENCH-{n:05d}",
            given_name="Bench",
            family_name=f"Patient{n:05d}",
            birth_date=(now - timedelta(days=365 * 55 + n)).date(),
            sex="female" if n % 2 else "male",
            diagnosis="metastatic_melanoma" if n % 3 else "metastatic_rcc",
            baseline_weight_kg=Decimal(60 + n % 40),
            baseline_systolic_bp=120,
        )
        for n in range(patients)
    )
    Admission.objects.bulk_create(
        Admission(
            patient=patient,
            ward=f"Bench {n // PER_WARD + 1}",
            bed=str(n % PER_WARD + 1),
            admitted_at=now - timedelta(days=days, hours=6),
        )
        for n, patient in enumerate(people)
    )
    first_dose = now - timedelta(hours=8 * 5 + 7)  # doses 1–6 past, dose 7 due in an hour
    for n, patient in enumerate(people):
        course = courses.course_order(
            patient=patient, by=physician, cycle_1_start=first_dose, now=first_dose
        )
        Dose.objects.filter(course=course, number__lte=6).update(
            status=DoseStatus.GIVEN,
            given_at=F("scheduled_at"),
            given_by=nurse,
            verified_by=verifier,
            precheck={"recommendation": "give"},
        )
        if n % 4 == 0:
            Dose.objects.filter(course=course, number=4).update(
                status=DoseStatus.HELD,
                given_at=None,
                given_by=None,
                verified_by=None,
                held_by=nurse,
                held_at=first_dose + timedelta(hours=24),
                hold_reasons=["hr_100_130"],
            )
    rows = insert_vitals(
        start=now - timedelta(days=days), end=now - timedelta(minutes=30), nurse_id=nurse.pk
    )
    for patient in people[::10]:  # a grade 3 CRS picture in the newest set
        vitals_record(
            patient=patient,
            by=nurse,
            taken_at=now - timedelta(minutes=10),
            respiratory_rate=22,
            spo2=95,
            oxygen_device="room_air",
            systolic_bp=84,
            diastolic_bp=50,
            heart_rate=118,
            consciousness="alert",
            temperature_c=Decimal("38.7"),
            vasopressors=[{"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}],
        )
    for patient in people:
        # What the monitor's task does: evaluate, then store the summary document.
        evaluation_run(patient_id=patient.pk, reason="manual")
        summary_document_refresh(patient_id=patient.pk)
    settle()
    return {
        "token": key,
        "patient_ids": [str(p.pk) for p in people],
        "wards": sorted({f"Bench {n // PER_WARD + 1}" for n in range(patients)}),
        "vitals_rows": rows + len(people[::10]),
        "first_vitals_at": now - timedelta(days=days),
        "nurse_id": nurse.pk,
    }


def add_history(ward: dict[str, Any], days: int, factor: int) -> int:
    """(factor − 1) × the history again, before the existing sets."""

    end = ward["first_vitals_at"] - timedelta(hours=2)
    start = ward["first_vitals_at"] - timedelta(days=days * (factor - 1))
    rows = insert_vitals(start=start, end=end, nurse_id=ward["nurse_id"])
    # Bulk SQL sends no signal: make every document out of date and let the monitor's step
    # store it again, as it would after records arrive (it is built over the 10× history).
    from therapy.api.summary import summary_document_refresh
    from therapy.models import StateDocument

    StateDocument.objects.invalidate(ward["patient_ids"])
    for patient_id in ward["patient_ids"]:
        summary_document_refresh(patient_id=patient_id)
    settle()
    return rows


def settle() -> None:
    """Statistics fresh, dirty pages written: a checkpoint flushing 1.5 M new rows in the middle
    of a measurement stalls every request for seconds (seen in a first run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    time.sleep(5)


def in_process(ward: dict[str, Any], paths: dict[str, list[str]]) -> dict[str, dict]:
    """Per endpoint, in this process (no server, no concurrency): the queries of one request
    and the median time of 21 requests one after the other — the work itself, without the
    queueing that load adds."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {ward['token']}")
    found = {}
    for name, options in paths.items():
        client.get(options[0])  # the token's last-use write, connections, caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(options[-1])
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        count = len(queries)  # now: the next request's start clears the query log
        times = []
        for _ in range(21):
            start = time.perf_counter()
            client.get(random.choice(options))  # noqa: S311 (picking a patient)
            times.append(time.perf_counter() - start)
        found[name] = {"queries": count, "ms": sorted(times)[10] * 1e3}
    found["summary, out of date (built)"] = rebuilt(client, paths["summary"])
    return found


def rebuilt(client: Any, options: list[str]) -> dict[str, Any]:
    """A summary whose document a write has just made out of date: built from the read
    model and stored again (what the first poll after a record costs), alone only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from therapy.models import StateDocument

    def out_of_date(path: str) -> None:
        StateDocument.objects.invalidate([path.split("/")[4]])

    out_of_date(options[-1])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(options[-1]).status_code == 200
    count = len(queries)
    times = []
    for _ in range(21):
        path = random.choice(options)  # noqa: S311 (picking a patient)
        out_of_date(path)
        start = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - start)
    return {"queries": count, "ms": sorted(times)[10] * 1e3}


# --- Serving and loading ---------------------------------------------------------------------
def serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "il2monitor.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {log}")


def load(port: int, token: str, paths: list[str], seconds: int, args: Any, work: Path) -> dict:
    paths_file = work / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = work / "bench.lua"
    script.write_text(LUA)
    result = subprocess.run(  # noqa: S603
        [  # noqa: S607 (wrk from PATH, checked in main)
            "wrk",
            "--threads",
            str(args.threads),
            "--connections",
            str(args.connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "BENCH_PATHS": str(paths_file), "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["load"] = os.getloadavg()[0]  # the machine is shared: say how busy it was
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    if figures["non_2xx"] or figures["socket_errors"]:
        print(result.stdout, file=sys.stderr)
    return figures


def endpoint_paths(ward: dict[str, Any]) -> dict[str, list[str]]:
    ids = ward["patient_ids"]
    return {
        "floor": ["/fhir/r4/metadata"],
        "summary": [f"/api/v1/patients/{pk}/summary/" for pk in ids],
        "ward list": [f"/api/v1/summaries/?ward={w.replace(' ', '%20')}" for w in ward["wards"]],
    }


def measure(port: int, ward: dict[str, Any], args: Any, work: Path) -> dict[str, dict]:
    paths = endpoint_paths(ward)
    for options in paths.values():
        load(port, ward["token"], options, args.warmup, args, work)
    return {
        name: load(port, ward["token"], options, args.duration, args, work)
        for name, options in paths.items()
    }


def table(label: str, results: dict[str, dict], alone: dict[str, dict]) -> list[str]:
    floor = results["floor"]
    rows = []
    for name, figures in results.items():
        ratio = (
            ""
            if name == "floor" or not floor["p50_us"] or not floor["p95_us"]
            else f"{figures['p50_us'] / floor['p50_us']:.1f}× / "
            f"{figures['p95_us'] / floor['p95_us']:.1f}×"
        )
        rows.append(
            f"| {label} | {name} | {alone[name]['queries']} | {alone[name]['ms']:.1f} | "
            f"{figures['rps']:.0f} | "
            f"{figures['p50_us'] / 1e3:.1f} | {figures['p95_us'] / 1e3:.1f} | "
            f"{figures['p99_us'] / 1e3:.1f} | {figures['non_2xx'] + figures['socket_errors']} | "
            f"{ratio} | {figures['load']:.1f} |"
        )
    for name, figures in alone.items():
        if name not in results:  # measured alone only
            rows.append(
                f"| {label} | {name} | {figures['queries']} | {figures['ms']:.1f} | – | – | – | "
                "– | – | – | – |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--factor", type=int, default=10, help="history multiple, 2nd pass")
    parser.add_argument("--duration", type=int, default=30, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--database", default="il2bench_summary")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not any((Path(d) / "wrk").exists() for d in os.environ["PATH"].split(os.pathsep)):
        raise SystemExit("wrk is needed: apt-get install wrk")

    admin_sql(f'DROP DATABASE IF EXISTS "{args.database}"')
    admin_sql(f'CREATE DATABASE "{args.database}"')
    env = bench_env(args.database)
    os.environ.update({k: v for k, v in env.items() if k not in os.environ or k != "PATH"})
    import django

    django.setup()
    from patients.models import VitalSigns

    server = None
    work = Path(tempfile.mkdtemp(prefix="il2-bench-"))
    try:
        started = time.monotonic()
        ward = load_ward(args.patients, args.days)
        print(f"loaded {args.patients} patients in {time.monotonic() - started:.0f} s", flush=True)
        random.seed(8)
        server = serve(env, args.port, args.workers, work / "gunicorn.log")
        lines = []
        for label, factor in (("1×", 1), (f"{args.factor}×", args.factor)):
            if factor > 1:
                add_history(ward, args.days, factor)
            sets = VitalSigns.objects.count()
            alone = in_process(ward, endpoint_paths(ward))
            results = measure(args.port, ward, args, work)
            per_patient = sets / args.patients
            lines += table(f"{label} ({sets:,} sets, {per_patient:.0f}/patient)", results, alone)
            print(lines[-4:], flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        import redis

        broker = redis.Redis.from_url(REDIS_URL)
        broker.delete(QUEUE, *broker.keys(f"_kombu.binding*.{QUEUE}"))
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.database}"')

    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers; wrk "
        f"{args.threads} threads × {args.connections} connections, {args.duration} s each "
        f"(after {args.warmup} s warm-up)\n"
    )
    print(
        "| history | endpoint | queries | alone ms | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| p50 / p95 vs floor | load avg |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
