"""A real Celery worker process on the real Redis: an admission committed in the web process is
evaluated by the worker (enqueued with transaction.on_commit), and the effect is in PostgreSQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from patients import services
from tests.factories import PatientFactory, UserFactory
from therapy.models import PatientEvaluation

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "il2monitor.settings.test",
        "TEST_DATABASE_URL": database_url(),  # the test database pytest-django created
        "TEST_REDIS_URL": settings.CELERY_BROKER_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "il2monitor",
            "worker",
            "--pool=solo",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        if " ready." in line:
            break
        if process.poll() is not None:
            pytest.fail("worker exited early:\n" + "".join(lines))
    else:
        process.kill()
        pytest.fail("worker did not become ready:\n" + "".join(lines))
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
def test_admission_is_evaluated_by_a_real_worker(worker):
    nurse = UserFactory(role="nurse", username="nurse.worker")
    patient = PatientFactory()

    # No test transaction here: the service's own transaction commits and its on_commit
    # callback publishes the task to Redis.
    services.admission_open(
        patient=patient, by=nurse, ward="7B", bed="12", admitted_at=timezone.now()
    )

    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
        and not PatientEvaluation.objects.filter(patient=patient).exists()
    ):
        time.sleep(0.2)
    evaluations = list(PatientEvaluation.objects.filter(patient=patient))
    assert len(evaluations) == 1
    assert evaluations[0].reason == "admission"
    assert worker.poll() is None  # the worker is still running
