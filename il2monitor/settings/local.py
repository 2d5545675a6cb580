"""Local development: ``make run``. Works with nothing configured (SQLite, file-queue Celery)."""

from il2monitor.env import VAR_DIR, env
from il2monitor.settings.base import *  # noqa: F403
from il2monitor.settings.base import INSTALLED_APPS, STATIC_ROOT

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret-il2monitor-0000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
VAR_DIR.mkdir(exist_ok=True)
STATIC_ROOT.mkdir(exist_ok=True)

# The demo ward's command (make run loads the demo ward); production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "therapy.demo"]
