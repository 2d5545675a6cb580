import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.support.factories import AdmissionFactory, PatientFactory, UserFactory
from tests.support.paths import REPO

# Playwright's sync API runs an event loop in the test thread; Django must be told that the
# ORM calls made there are fine (they are: one thread, no real async code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = REPO / "test-artifacts"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shift-clock-after-collection",
        type=float,
        default=0,
        metavar="MINUTES",
        help="Once the tests are collected, move the clock this many minutes forward (it keeps "
        "ticking): a run as slow as that. A test that read the clock at import now holds a "
        "stale time and fails (tests/test_suite_clock.py).",
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    minutes = session.config.getoption("--shift-clock-after-collection")
    if minutes:
        import datetime as dt

        import time_machine

        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
        traveller = time_machine.travel(later, tick=True)
        traveller.start()
        session.config.add_cleanup(traveller.stop)


# Data migrations whose rows every test needs: (module, function taking (apps, schema_editor)).
DATA_MIGRATIONS = [
    ("patients.migrations.0002_roles", "grant"),
    ("patients.migrations.0004_observation_roles", "grant"),
    ("therapy.migrations.0003_seed_default_rule_profile", "seed"),
    ("therapy.migrations.0005_roles", "grant"),
    ("therapy.migrations.0007_alert_roles", "grant"),
    ("therapy.migrations.0009_rule_profile_dose_timing", "add_dose_timing"),
    ("therapy.migrations.0012_rule_profile_v2", "add_v2_settings"),
    ("therapy.migrations.0013_rule_profile_v2_monitoring", "add_rules_v2"),
    ("therapy.migrations.0015_dose_early_hold", "grant"),
]


def _run_data_migrations() -> None:
    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _flush_keeps_the_data_migrations() -> None:
    """A transactional test's teardown (live server, worker, threads) truncates every table,
    the rows made by data migrations included: run those migrations' functions again right
    after it (they are idempotent), so whatever test comes next — serially pytest-django runs
    the transactional tests last, but a pytest-xdist process may not — finds the roles and
    the rule profile. A request the live server is still finishing (a browser page's last
    htmx call) can deadlock with the TRUNCATE, and PostgreSQL may pick the TRUNCATE as the
    victim: retry it, the request finishes in milliseconds."""
    from django.db import OperationalError
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        for attempt in range(5):
            try:
                original(self, sql_list)
            except OperationalError as error:
                if "deadlock" not in str(error) or attempt == 4:
                    raise
                time.sleep(0.5)
            else:
                _run_data_migrations()
                return

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    def make(role: str | None = None, **kwargs: object) -> object:
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def nurse(make_user):  # type: ignore[no-untyped-def]
    return make_user("nurse", username="nurse.one")


@pytest.fixture
def physician(make_user):  # type: ignore[no-untyped-def]
    return make_user("physician", username="dr.one")


@pytest.fixture
def pharmacist(make_user):  # type: ignore[no-untyped-def]
    return make_user("pharmacist", username="pharm.one")


@pytest.fixture
def api_reader(make_user):  # type: ignore[no-untyped-def]
    return make_user("api_client", username="api.one")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api: APIClient) -> Callable[[object], APIClient]:
    def login(user: object) -> APIClient:
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def patient(db: None):  # type: ignore[no-untyped-def]
    return PatientFactory()


@pytest.fixture
def admission(db: None):  # type: ignore[no-untyped-def]
    return AdmissionFactory()
