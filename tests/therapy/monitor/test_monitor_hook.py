"""patients tells the monitor about recorded changes through one hook, only after commit; the
evaluation is idempotent and the sweep finds what was missed."""

import pytest
from django.db import transaction
from django.utils import timezone

from patients import monitor_hook
from patients.services import patients as services
from tests.support.paths import REPO
from therapy.models import PatientEvaluation
from therapy.monitor import selectors as therapy_selectors
from therapy.monitor.evaluation import LOGGED_REASONS, evaluation_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[tuple[object, str]] = []
    monkeypatch.setattr(
        monitor_hook, "_listeners", [lambda pid, reason: calls.append((pid, reason))]
    )
    return calls


def test_listener_runs_only_after_commit(heard, nurse, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.admission_open(
            patient=patient, by=nurse, ward="7B", bed="1", admitted_at=timezone.now()
        )
        assert heard == []  # not yet: the transaction has not committed
    assert heard == [(patient.pk, "admission")]


def test_rolled_back_write_never_reaches_the_monitor(
    heard, nurse, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.admission_open(
                    patient=patient, by=nurse, ward="7B", bed="1", admitted_at=timezone.now()
                )
                raise RuntimeError("something later in the request failed")
        except RuntimeError:
            pass
    assert callbacks == [] and heard == []


def test_a_failing_listener_does_not_undo_the_record(
    monkeypatch, nurse, patient, django_capture_on_commit_callbacks
):
    def broken(pid, reason):  # type: ignore[no-untyped-def]
        raise ConnectionError("broker down")

    monkeypatch.setattr(monitor_hook, "_listeners", [broken])
    with django_capture_on_commit_callbacks(execute=True):
        admission = services.admission_open(
            patient=patient, by=nurse, ward="7B", bed="1", admitted_at=timezone.now()
        )
    admission.refresh_from_db()
    assert admission.is_open


def test_enqueue_with_the_broker_unreachable_logs_and_returns(monkeypatch, caplog, patient):
    from celery import current_app

    from therapy.monitor import listener as monitor

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("Connection refused")

    monkeypatch.setattr(current_app, "send_task", refuse)
    monitor.enqueue_evaluation(patient.pk, "admission")
    assert "evaluation deferred to sweep" in caplog.text
    assert patient.family_name not in caplog.text and patient.mrn not in caplog.text


def test_evaluation_logs_the_record_state_and_findings_it_saw(admission):
    evaluation = evaluation_run(patient_id=admission.patient_id, reason="admission")

    assert evaluation is not None
    assert evaluation.record_as_of == admission.updated_at
    assert evaluation.rule_version == "label-2024+consensus-2014 v1"
    assert {"crs", "vls", "news2", "due_interval_minutes", "alerts"} <= set(evaluation.findings)


def test_periodic_ticks_reconcile_without_logging(admission):
    assert evaluation_run(patient_id=admission.patient_id, reason="tick") is None
    assert PatientEvaluation.objects.count() == 0


def test_sweep_finds_admitted_patients_with_unevaluated_changes(nurse, admission):
    assert therapy_selectors.patients_needing_evaluation() == [admission.patient_id]

    evaluation_run(patient_id=admission.patient_id, reason="sweep")
    assert therapy_selectors.patients_needing_evaluation() == []

    services.admission_move_bed(admission=admission, by=nurse, ward="HDU", bed="H4")
    assert therapy_selectors.patients_needing_evaluation() == [admission.patient_id]


def test_sweep_ignores_discharged_patients(nurse, admission):
    assert therapy_selectors.patients_needing_evaluation() == [admission.patient_id]
    services.admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    assert therapy_selectors.patients_needing_evaluation() == []


def test_sweep_task_enqueues_one_evaluation_per_stale_patient(monkeypatch, admission):
    from therapy import tasks

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        tasks.patient_evaluate, "delay", lambda pid, reason: sent.append((pid, reason))
    )
    assert tasks.evaluation_sweep() == 1
    assert sent == [(str(admission.patient_id), "sweep")]


def test_evaluation_of_an_unknown_patient_writes_nothing():
    import uuid

    assert evaluation_run(patient_id=uuid.uuid4(), reason="admission") is None
    assert PatientEvaluation.objects.count() == 0


def test_evaluation_without_admission_history_writes_nothing(patient, nurse):
    # A reason that is logged, so only the missing history can keep the run from writing
    # (a reason outside LOGGED_REASONS, a tick, writes nothing whatever the history).
    assert "admission" in LOGGED_REASONS
    assert evaluation_run(patient_id=patient.pk, reason="admission") is None
    assert PatientEvaluation.objects.count() == 0

    # The same run once the patient has a stay writes its evaluation.
    services.admission_open(
        patient=patient, by=nurse, ward="7B", bed="1", admitted_at=timezone.now()
    )
    assert evaluation_run(patient_id=patient.pk, reason="admission") is not None
    assert PatientEvaluation.objects.filter(patient=patient).count() == 1


def test_a_process_that_never_imported_the_tasks_still_enqueues_by_name():
    """The web server never imports therapy.tasks: the listener sends by task name (a lookup
    in the task registry failed there, and evaluations waited for the sweep)."""
    import os
    import subprocess
    import sys

    code = """
import sys, uuid, django
django.setup()
from celery import current_app
sent = []
current_app.send_task = lambda name, args=(), **kw: sent.append((name, args))
from therapy.monitor.listener import enqueue_evaluation
enqueue_evaluation(uuid.UUID(int=1), "vitals")
assert "therapy.tasks" not in sys.modules, "the sending process imported the tasks"
print(sent)
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "il2monitor.settings.test"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "therapy.tasks.patient_evaluate" in result.stdout, result.stderr[-2000:]
