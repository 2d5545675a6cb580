"""The one place that reads the environment (django-environ).

Every setting that may differ between a laptop, CI and a ward server is read here, with the
default that lets ``make run`` work on a machine with no database or broker server.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
