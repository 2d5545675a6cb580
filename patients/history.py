"""Who made a change, as django-simple-history records it on the model's history."""

from typing import Any

from django.db import models


def history_user_set(instance: models.Model, user: Any) -> None:
    """``user`` is recorded as the author of ``instance``'s next save.

    django-simple-history reads the acting user from the instance's ``_history_user`` (its own
    admin sets it the same way); the models do not declare that attribute, hence the ignore.
    """
    instance._history_user = user  # type: ignore[attr-defined]
