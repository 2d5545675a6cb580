import uuid

from django.db import models


class RuleProfileVersion(models.Model):
    """One immutable version of a site's rule profile (every configurable threshold and window
    of clinical-rules.md). Editing never changes a row: it adds the next version, so every
    stored result keeps pointing at the exact thresholds that produced it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    settings = models.JSONField(help_text="The profile's thresholds and windows (rules JSON).")
    is_active = models.BooleanField(default=False)
    change_note = models.TextField(
        help_text="Why this version exists: who signed it off, what changed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="rule_profile_version_unique"),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_rule_profile",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What results record as their rule version, e.g. ``label-2024+consensus-2014 v2``."""
        return f"{self.name} v{self.version}"
