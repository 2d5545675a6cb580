"""The adapter builds the rules' inputs record by record (therapy/record.py): a stored row the
rules' constructors refuse is left out and named on the record (kind, id, reason), the rules
that read that kind name it in their evidence, and the evaluation succeeds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.models import LabResult
from tests.support.therapy_fixtures import CRS_GRADE_3, record_vitals
from therapy import record as record_module
from therapy.models import Alert, MonitorState
from therapy.monitor.evaluation import evaluation_run
from therapy.record import patient_record
from therapy.rules import default_profile
from therapy.rules.errors import RuleInputError
from therapy.rules.inputs import SkippedRecord

pytestmark = pytest.mark.django_db


def test_a_row_the_rules_refuse_is_left_out_named_and_the_evaluation_succeeds(
    admission, nurse, monkeypatch
):
    patient = admission.patient
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    now = timezone.now()
    kept, refused = (
        LabResult.objects.create(
            patient=patient,
            admission=admission,
            test="albumin",
            value=Decimal(value),
            unit="g/dL",
            collected_at=now - timedelta(hours=hours),
        )
        for value, hours in (("3.9", 2), ("2.1", 1))
    )
    real = record_module._lab

    def refuse_one(row):  # type: ignore[no-untyped-def]
        if row.pk == refused.pk:
            raise RuleInputError({"value": ["cannot be read"]})
        return real(row)

    monkeypatch.setattr(record_module, "_lab", refuse_one)

    rec = patient_record(patient=patient, at=now, profile=default_profile())

    assert rec.skipped == (
        SkippedRecord("labs", str(refused.pk), "RuleInputError: value: cannot be read"),
    )
    assert [lab.record_id for lab in rec.labs] == [str(kept.pk)]

    evaluation = evaluation_run(patient_id=patient.pk, reason="labs")
    assert evaluation is not None and evaluation.succeeded
    state = MonitorState.objects.get(patient=patient)
    # VLS read the kept albumin (3.9: no hypoalbuminemia) and says which one it could not read.
    assert [s["id"] for s in state.findings["vls"]["skipped"]] == [str(refused.pk)]
    assert not Alert.objects.filter(patient=patient, kind="vls").exists()
    crs = Alert.objects.get(patient=patient, kind="crs")
    assert crs.evidence["skipped"] == []  # CRS reads no labs
    assert state.failing_since is None and len(state.findings["skipped"]) == 1
