"""The site's alerting policy, from settings (clinical-rules.md §6 project defaults, changeable
per site through the environment: README, "Configuration"). Read by the monitor, which raises
the alerts, and by the read model, which shows the same moments on the pages and the API."""

from datetime import timedelta

from django.conf import settings


def dose_overdue_after() -> timedelta:
    """A scheduled dose neither given nor held this long after its time: ``dose_overdue``."""
    return timedelta(minutes=settings.IL2_DOSE_OVERDUE_MINUTES)


def monitor_stale_after() -> timedelta:
    """No successful evaluation for this long while admitted: ``monitor_failure`` (§6 v2)."""
    return timedelta(minutes=settings.IL2_MONITOR_STALE_MINUTES)
