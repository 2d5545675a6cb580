"""The next version of the active rule profile with the settings of clinical-rules v2 (§3a AKI,
§4 pre-dose check). The values are frozen here (as a migration's must be), at the project
defaults.

``NEW_KEYS`` maps each profile section to the keys it gains: a section the active version
lacks is added whole, a key it lacks is added, and a list of criteria (``precheck.criteria``)
gains the rows whose ``code`` it does not have yet; nothing already there is changed. A site
whose active version already has every key (a fresh install: migration 0003 seeds from the
current code) gets no new version. Reverse: the version before it becomes active again.
"""

from django.db import migrations
from django.db.models import Max

CHANGE_NOTE = (
    "clinical-rules v2: §3a acute kidney injury (KDIGO 2012); §4 vasopressor at dose time, "
    "SpO2 threshold on scale 2."
)

NEW_KEYS = {
    "aki": {
        "baseline_window_hours": 168,  # KDIGO: lowest within the prior 7 days [S18]
        "creatinine_max_age_hours": 24,  # decision (spec silent): as the labs of §4
        "creatinine_stages": [  # x baseline: 1.5 -> 1, 2.0 -> 2, 3.0 -> 3 [S18]
            {"ratio_from": "1.5", "stage": 1},
            {"ratio_from": "2.0", "stage": 2},
            {"ratio_from": "3.0", "stage": 3},
        ],
        "rise_from_mg_dl": "0.3",  # >= 0.3 mg/dL within 48 h: stage 1 [S18]
        "rise_window_hours": 48,
        "rise_stage": 1,
        "absolute_from_mg_dl": "4.0",  # >= 4.0 mg/dL: stage 3 [S18]
        "absolute_stage": 3,
        "urine_stages": [  # < 0.5 mL/kg/h 6 h -> 1, 12 h -> 2; < 0.3 mL/kg/h 24 h -> 3 [S18]
            {"below_ml_kg_h": "0.5", "window_hours": 6, "stage": 1},
            {"below_ml_kg_h": "0.5", "window_hours": 12, "stage": 2},
            {"below_ml_kg_h": "0.3", "window_hours": 24, "stage": 3},
        ],
        "urine_max_lag_hours": 8,  # decision: the windows end where charted output ends
        "anuria_window_hours": 12,  # anuria >= 12 h: stage 3 [S18]
        "anuria_stage": 3,
        "events": ["dialysis"],  # renal replacement therapy: stage 3 [S18]
        "events_stage": 3,
    },
    "precheck": {
        # §4 (v2) on SpO2 scale 2: hold below 88 %, the lower bound of the prescribed 88-92 %
        # target (project default) [S15].
        "spo2_scale_2_below": 88,
        "criteria": [
            # §4 (v2): any vasopressor but phenylephrine running at dose time; hold by
            # default, a site may choose discontinue [S6] table 2, [S7], [S8].
            {
                "code": "vasopressor_at_dose",
                "action": "hold",
                "source": "[S6] table 2, [S7], [S8]",
                "enabled": True,
                "low": None,
                "low_inclusive": True,
                "high": None,
                "high_inclusive": True,
                "events": [],
                "devices": [],
            },
        ],
    },
}


def _criteria(value):
    """A list of rows named by ``code`` (the pre-dose criteria), as opposed to a value."""
    return (
        isinstance(value, list)
        and all(isinstance(row, dict) and "code" in row for row in value)
        and bool(value)
    )


def merged(settings, new_keys):
    """``settings`` with what ``new_keys`` adds (see the module docstring); the same object
    when nothing is missing."""
    result, changed = dict(settings), False
    for section, keys in new_keys.items():
        current = dict(result.get(section) or {})
        for key, value in keys.items():
            if key not in current:
                current[key] = value
                changed = True
            elif _criteria(value) and isinstance(current[key], list):
                codes = {row.get("code") for row in current[key] if isinstance(row, dict)}
                rows = [row for row in value if row.get("code") not in codes]
                if rows:
                    current[key] = [*current[key], *rows]
                    changed = True
        result[section] = current
    return result if changed else settings


def add_v2_settings(apps, schema_editor):
    profile_model = apps.get_model("therapy", "RuleProfileVersion")
    active = profile_model.objects.filter(is_active=True).first()
    if active is None:
        return
    settings = merged(active.settings, NEW_KEYS)
    if settings is active.settings:
        return
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
    dependencies = [("therapy", "0011_alert_kinds_v2")]

    operations = [migrations.RunPython(add_v2_settings, reactivate_previous)]
