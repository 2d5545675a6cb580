"""Test settings: the real PostgreSQL and Redis of the machine (see ``make test``)."""

import os

from il2monitor.env import VAR_DIR, env
from il2monitor.settings.base import *  # noqa: F403
from il2monitor.settings.base import INSTALLED_APPS, STATIC_ROOT

DEBUG = False
SECRET_KEY = "test-only-not-a-secret-il2monitor-test-settings-000000"  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
VAR_DIR.mkdir(exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)

DATABASES = {
    "default": env.db_url(
        "TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/il2monitor"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/14")
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="il2monitor-test")

# ``make test`` runs the suite in two pytest-xdist processes (gw0, gw1). pytest-django gives each
# its own database (test_<name>_gw0 ...); here each also gets its own Redis database and Celery
# queue, so one process's worker never takes the other's tasks. The choice is written back to
# the environment, so the worker processes a test starts (which inherit it) keep it as it is.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw") and os.environ.get("IL2_TEST_SLOT") != _xdist:
    _slot = int(_xdist.removeprefix("gw"))
    _base, _, _db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_base}/{(int(_db or 0) + 8 * _slot) % 16}"
    CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-{_xdist}"
    os.environ.update(
        IL2_TEST_SLOT=_xdist, TEST_REDIS_URL=REDIS_URL, CELERY_QUEUE=CELERY_TASK_DEFAULT_QUEUE
    )
CELERY_BROKER_URL = REDIS_URL
# The board's row cache on the real Redis, as in production (keys carry patient ids, which
# are new in every test, so tests never read each other's rows).
CACHES = {
    **CACHES,  # noqa: F405
    "pages": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "il2monitor-pages-test",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
# Unacknowledged tasks of a killed worker come back after the visibility timeout (a test kills
# one); scan for them every second instead of kombu's default ~100 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("TEST_VISIBILITY_TIMEOUT", default=30),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# The benchmark (bench/alert_latency.py) times an empty task's round trip, which needs results.
CELERY_RESULT_BACKEND = env("TEST_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The demo ward's command (tests load the demo ward); production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "therapy.demo"]
