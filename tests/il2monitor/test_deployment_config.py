"""Deployment configuration: the compose file validates against the Compose spec offline, and
production settings refuse to start without their secrets and pass ``check --deploy``."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.paths import REPO

BIN = Path(sys.executable).parent


def test_compose_file_validates_against_the_compose_spec():
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(REPO / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_every_part_with_healthchecks_and_persistent_volumes():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]

    assert {"web", "worker", "beat", "hl7", "db", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "hl7", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "il2monitor", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "il2monitor", "beat"]
    # The MLLP listener (docs/hl7.md), after the migrations, on HL7's port.
    assert services["hl7"]["command"][:3] == ["python", "manage.py", "hl7_listen"]
    assert services["hl7"]["command"][3:7] == ["--host", "0.0.0.0", "--port", "2575"]  # noqa: S104
    assert "migrate" in services["hl7"]["depends_on"]
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])
    env = services["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "il2monitor.settings.production"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # no default secret


def run_production(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(DJANGO_SETTINGS_MODULE="il2monitor.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION_ENV = {
    "SECRET_KEY": "x7!kq2-production-like-secret-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "il2.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/il2monitor",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_refuses_to_start_without_each_required_variable():
    for missing in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        result = run_production("check", **env)
        assert result.returncode != 0, missing
        assert "ImproperlyConfigured" in result.stderr and missing in result.stderr, result.stderr[
            -500:
        ]


def test_production_refuses_a_short_secret_key():
    short = run_production("check", **{**PRODUCTION_ENV, "SECRET_KEY": "x" * 49})
    assert short.returncode != 0
    assert "ImproperlyConfigured" in short.stderr
    assert "SECRET_KEY must be at least 50 characters long (it has 49)" in short.stderr
    enough = run_production("check", **{**PRODUCTION_ENV, "SECRET_KEY": "k3!" * 17})  # 51
    assert enough.returncode == 0, enough.stderr[-500:]


def test_production_refuses_sqlite():
    result = run_production(
        "check", **{**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}
    )
    assert result.returncode != 0
    assert "Production needs PostgreSQL" in result.stderr


def test_production_refuses_an_unsigned_alert_webhook():
    env = {**PRODUCTION_ENV, "IL2_ALERT_WEBHOOK_URL": "https://hooks.example.org/il2"}
    result = run_production("check", **env)
    assert result.returncode != 0
    assert "IL2_ALERT_WEBHOOK_SECRET" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_production("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_local_settings_need_no_server():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL)"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "il2monitor.settings.local"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    with_servers = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={
            **clean,
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
    )
    assert with_servers.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/3",
    ]


def test_make_runs_embedded_mode_migrates_and_loads_the_demo_ward_on_sqlite(tmp_path):
    """What ``make run`` does with nothing configured, on SQLite (the tests' own database is
    PostgreSQL, which forgives things SQLite refuses: this once failed only on a newcomer's
    first ``make run``)."""
    queue = "il2-embedded-test"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        },
        "DJANGO_SETTINGS_MODULE": "il2monitor.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "CELERY_QUEUE": queue,  # no worker listens: nothing reaches a developer's make run
        "DJANGO_DEBUG": "true",
    }
    try:
        for command in (["migrate", "--noinput"], ["demo_ward"]):
            result = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert result.returncode == 0, result.stderr[-3000:]
        assert "Loaded the demo ward" in result.stdout
    finally:
        for message in (REPO / "var" / "celery-queue" / "messages").glob(f"*{queue}*"):
            message.unlink()
