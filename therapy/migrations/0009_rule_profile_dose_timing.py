"""The next version of the active rule profile with the dosing settings of clinical-rules v2 §4:
the recording-time window, the minimum interval between doses, the course start window, and a
minimum dose. The values are frozen here (as a migration's must be), at the project defaults.

A site whose active version already has every key (a fresh install: migration 0003 seeds from
the current code) gets no new version. Reverse: the version before it becomes active again.
"""

from django.db import migrations
from django.db.models import Max

CHANGE_NOTE = (
    "clinical-rules v2 §4: recording-time check window, 7 h minimum interval, course start "
    "window, minimum dose."
)

NEW_DOSING_KEYS = {
    "min_dose_iu_per_kg": 600_000,  # the label recommends no dose reduction [S1] 2.4
    "min_hours_between_doses": 7,  # §4 (v2) project default, q8h regimen [S1]
    "late_entry_max_minutes": 60,  # §4 (v2) project default
    "course_start_max_past_hours": 24,  # §4 (v2) project default
    "course_start_max_ahead_days": 30,  # §4 (v2) project default
    "cycle_2_max_days_after_cycle_1": 28,  # decision: cycle 2 on day 15 [S1], two weeks' delay
}


def add_dose_timing(apps, schema_editor):
    profile_model = apps.get_model("therapy", "RuleProfileVersion")
    active = profile_model.objects.filter(is_active=True).first()
    if active is None:
        return
    settings = dict(active.settings)
    dosing = dict(settings.get("dosing") or {})
    missing = {key: value for key, value in NEW_DOSING_KEYS.items() if key not in dosing}
    if not missing:
        return
    settings["dosing"] = {**dosing, **missing}
    profile_model.objects.filter(is_active=True).update(is_active=False)
    again = profile_model.objects.filter(
        name=active.name, change_note=CHANGE_NOTE, settings=settings
    ).first()
    if again is not None:  # migrated, reversed, migrated again: the same version, not a copy
        profile_model.objects.filter(pk=again.pk).update(is_active=True)
        return
    latest = profile_model.objects.filter(name=active.name).aggregate(v=Max("version"))["v"]
    profile_model.objects.create(
        name=active.name,
        version=latest + 1,
        settings=settings,
        is_active=True,
        change_note=CHANGE_NOTE,
    )


def reactivate_previous(apps, schema_editor):
    profile_model = apps.get_model("therapy", "RuleProfileVersion")
    active = profile_model.objects.filter(is_active=True, change_note=CHANGE_NOTE).first()
    if active is None:
        return
    previous = (
        profile_model.objects.filter(name=active.name, version__lt=active.version)
        .order_by("-version")
        .first()
    )
    if previous is None:
        return
    profile_model.objects.filter(pk=active.pk).update(is_active=False)
    profile_model.objects.filter(pk=previous.pk).update(is_active=True)


class Migration(migrations.Migration):
    dependencies = [("therapy", "0008_monitor_state")]

    operations = [migrations.RunPython(add_dose_timing, reactivate_previous)]
