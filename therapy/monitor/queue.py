"""The monitor's outgoing work, asked of Celery by task name: ``therapy/tasks.py`` sits above
the monitor (it calls the monitor's services) and registers the tasks under these names, so
the monitor enqueues them without importing it (no import circle). Sent by name, a task needs
no registry in the sending process: the web server never imports ``therapy.tasks``."""

from typing import Any

from celery import current_app

EVALUATE_PATIENT = "therapy.tasks.patient_evaluate"
DELIVER_NOTIFICATION = "therapy.tasks.notification_deliver"


def enqueue(task_name: str, *args: Any) -> None:
    """Publish one task to the default queue (raises when the broker cannot be reached:
    callers decide)."""
    current_app.send_task(task_name, args=args)
