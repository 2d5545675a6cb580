"""The Celery application. Periodic work is declared here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "il2monitor.settings.local")

app = Celery("il2monitor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, all of it here (conventions.md). Intervals in seconds.
app.conf.beat_schedule = {
    # Re-evaluate any admitted patient whose latest recorded change has no evaluation after it:
    # catches what a broker outage lost.
    "evaluation-sweep": {"task": "therapy.tasks.evaluation_sweep", "schedule": 60.0},
    # Overdue vitals and doses, and pre-checks in the 2 h before each dose.
    "monitor-tick": {"task": "therapy.tasks.monitor_tick", "schedule": 60.0},
    # Unacknowledged emergency (15 min) and urgent (60 min) alerts escalate.
    "alerts-escalate": {"task": "therapy.tasks.alerts_escalate", "schedule": 60.0},
    # The monitor watched: monitor_failure for an admitted patient with no successful
    # evaluation for IL2_MONITOR_STALE_MINUTES (10).
    "monitor-watchdog": {"task": "therapy.tasks.monitor_watchdog", "schedule": 60.0},
    # The notification outbox: what the on-commit task lost, failed sends due again (backoff),
    # and sends left half-done by a worker that died.
    "notifications-send-due": {"task": "therapy.tasks.notifications_send_due", "schedule": 60.0},
}
