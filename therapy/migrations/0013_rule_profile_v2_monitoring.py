"""The version after 0012's (§3a, §4) with the settings of clinical-rules v2 §6 and §7
(issue 13, part B): the close watch (hourly vitals on a vasopressor or at CRS grade >= 3), the
pre-dose vitals reminder, what stops alerts flapping, and the trend warnings. The values are
frozen here (as a migration's must be), at the project defaults.

``NEW_KEYS`` is a plain dict of sections, each a dict of keys: a key the active version lacks
is added; a key it has is kept as the site set it. A site whose active version already has
every key (a fresh install: migration 0003 seeds from the current code) gets no new version.
Results keep naming the version that produced them. Reverse: the version before it becomes
active again (the pattern of 0009_rule_profile_dose_timing).
"""

from django.db import migrations
from django.db.models import Max

CHANGE_NOTE = (
    "clinical-rules v2 §6 and §7: hourly vitals on a vasopressor or CRS >= 3, pre-dose vitals "
    "reminder, anti-flapping, trend warnings."
)

NEW_KEYS = {
    "monitoring": {
        "close_watch_vitals_minutes": 60,  # §6 (v2): hourly on a vasopressor or CRS >= 3 [S10]
        "close_watch_crs_grade_from": 3,  # §6 (v2)
        "predose_vitals_window_minutes": 120,  # §6 (v2): the pre-check window (§4) [S8]
        "predose_vitals_urgent_minutes": 30,  # §6 (v2): urgent from 30 min before the dose
        "resolve_min_absent_minutes": 120,  # §6 (v2) project default: absent >= 2 h
        "resolve_absent_evaluations": 2,  # §6 (v2): two consecutive evaluations on new data
        "reopen_within_minutes": 360,  # §6 (v2): found again within 6 h reopens the alert
    },
    "trends": {
        "min_lead_minutes": 30,  # §7: the next dose at least 30 min away
        "horizon_without_dose_hours": 8,  # §7: 8 h ahead when no dose is scheduled
        "shift_first_start_hour": 6,  # §7 project default: shifts 06:00, 14:00, 22:00
        "shift_hours": 8,  # §7: 8 h shifts
        # §7 table, one line per series (project defaults).
        "lines": [
            {
                "series": "systolic_bp",
                "source": "label [S1]; §7",
                "direction": "falling",
                "threshold": "90",
                "inclusive": False,
                "window_hours": 12,
                "min_span_hours": 4,
                "min_points": 3,
                "enabled": True,
                "rise_by": None,
                "baseline_ratio": None,
            },
            {
                "series": "news2_total",
                "source": "[S15]; §7",
                "direction": "rising",
                "threshold": "5",
                "inclusive": True,
                "window_hours": 12,
                "min_span_hours": 4,
                "min_points": 3,
                "enabled": True,
                "rise_by": "3",
                "baseline_ratio": None,
            },
            {
                "series": "weight_gain_pct",
                "source": "[S6], [S7]; §7",
                "direction": "rising",
                "threshold": "15",
                "inclusive": False,
                "window_hours": 72,
                "min_span_hours": 24,
                "min_points": 3,
                "enabled": True,
                "rise_by": None,
                "baseline_ratio": None,
            },
            {
                "series": "creatinine_mg_dl",
                "source": "[S6], [S8], [S18]; §7",
                "direction": "rising",
                "threshold": "2.5",
                "inclusive": True,
                "window_hours": 72,
                "min_span_hours": 24,
                "min_points": 3,
                "enabled": True,
                "rise_by": None,
                "baseline_ratio": "1.5",
            },
            {
                "series": "urine_ml_per_shift",
                "source": "[S6]; §7",
                "direction": "falling",
                "threshold": "160",
                "inclusive": True,
                "window_hours": 24,
                "min_span_hours": 16,
                "min_points": 3,
                "enabled": True,
                "rise_by": None,
                "baseline_ratio": None,
            },
        ],
    },
}


def _merged(settings):
    """The settings with every missing key of ``NEW_KEYS`` added, or None if none is."""
    merged, changed = dict(settings), False
    for section, keys in NEW_KEYS.items():
        present = dict(merged.get(section) or {})
        missing = {key: value for key, value in keys.items() if key not in present}
        if missing:
            merged[section] = {**present, **missing}
            changed = True
    return merged if changed else None


def add_rules_v2(apps, schema_editor):
    profile_model = apps.get_model("therapy", "RuleProfileVersion")
    active = profile_model.objects.filter(is_active=True).first()
    if active is None:
        return
    settings = _merged(active.settings)
    if settings is None:
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
    dependencies = [("therapy", "0012_rule_profile_v2")]

    operations = [migrations.RunPython(add_rules_v2, reactivate_previous)]
