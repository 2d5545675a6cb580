"""Production settings with the bench's URLs (bench/bare_urls.py): for bench/ingestion.py."""

from il2monitor.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
