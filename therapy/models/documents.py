"""The stored state document of a patient (the REST summary as the read model built it), so
that a client polling a patient whose state has not changed costs one query.

A document is *current* while nothing it was built from has changed (``built_from`` equals
``changes``) and the clock has not reached ``valid_until`` (the first moment a derivation from
the time of day changes: vitals turning due or overdue, a dose window opening, the monitor
turning stale). Every write that changes what a summary shows bumps ``changes`` in its own
transaction (``StateDocument.objects.invalidate``): the signal receivers of
``therapy.state.invalidation`` for saved and deleted rows, and the services beside each
``QuerySet.update()`` they make. A document is stored only if ``changes`` did not move while it
was being built (compare and set), so a write racing a build never leaves a stale document
marked current.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection, models


class StateDocumentManager(models.Manager["StateDocument"]):
    def invalidate(self, patient_ids: Iterable[UUID | str]) -> None:
        """Mark the documents of these patients out of date, creating the row if it does not
        exist yet (an upsert: a build that started before this write cannot store over it,
        even when no document existed). PostgreSQL and SQLite share the syntax."""
        key = self.model._meta.get_field("patient").target_field
        ids = sorted({str(pk) for pk in patient_ids})
        if not ids:
            return
        table = self.model._meta.db_table
        values = ", ".join(["(%s, 1, %s, '')"] * len(ids))
        params: list[Any] = []
        for pk in ids:
            params += [key.get_db_prep_value(UUID(pk), connection), "{}"]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (patient_id, changes, body, etag) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (patient_id) DO UPDATE SET changes = {table}.changes + 1",
                params,
            )


class StateDocument(models.Model):
    patient = models.OneToOneField(
        "patients.Patient",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="state_document",
    )
    changes = models.BigIntegerField(
        default=0, help_text="Bumped by every write that changes what the summary shows."
    )
    built_from = models.BigIntegerField(
        null=True, blank=True, help_text="The value of ``changes`` the body was built at."
    )
    body = models.JSONField(default=dict, help_text="The REST summary, as served.")
    etag = models.CharField(max_length=64, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="When a time-of-day derivation next changes."
    )

    objects = StateDocumentManager()

    class Meta:
        verbose_name = "stored state document"

    def __str__(self) -> str:
        return f"state document of {self.patient_id} (built from {self.built_from})"

    def is_current(self, now: datetime) -> bool:
        return (
            self.built_from is not None
            and self.built_from == self.changes
            and self.valid_until is not None
            and now < self.valid_until
        )


def _patient_of(instance: Any) -> Any:
    """The patient a saved or deleted row is about (None for rows about no patient)."""
    if instance._meta.label == "patients.Patient":
        return instance.pk
    if instance._meta.label == "therapy.Dose":
        return instance.course.patient_id
    return getattr(instance, "patient_id", None)


def _row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    patient_id = _patient_of(instance)
    if patient_id is not None:
        StateDocument.objects.invalidate([patient_id])


# Every model whose rows a summary shows, or which the monitor's findings are built from
# (a set's vasopressor rows are written with the set, whose save invalidates).
INVALIDATING_MODELS = (
    "patients.Patient",
    "patients.Admission",
    "patients.VitalSigns",
    "patients.FluidEntry",
    "patients.LabResult",
    "patients.SupportiveMedication",
    "patients.ClinicalEvent",
    "therapy.Course",
    "therapy.Dose",
    "therapy.Alert",
    "therapy.MonitorState",
)


def connect_invalidation() -> None:
    """Saved and deleted rows invalidate their patient's document (``TherapyConfig.ready``);
    ``QuerySet.update()`` sends no signal, so the services that use it invalidate beside it."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for label in INVALIDATING_MODELS:
        model = apps.get_model(label)
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"state-document-{label}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"state-document-{label}-d")
