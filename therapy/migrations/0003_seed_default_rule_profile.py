"""Seed the site with the project's default rule profile, label-2024+consensus-2014, version 1
(the thresholds of clinical-rules.md as this migration was written)."""

from django.db import migrations


def seed(apps, schema_editor):
    from therapy.rules.profile import default_profile

    profile_model = apps.get_model("therapy", "RuleProfileVersion")
    if profile_model.objects.exists():
        return
    profile = default_profile()
    settings = profile.to_dict()
    settings.pop("name", None)
    settings.pop("version", None)
    profile_model.objects.create(
        name=profile.name,
        version=1,
        settings=settings,
        is_active=True,
        change_note="Project default from clinical-rules.md (label 2024 + Dutcher consensus 2014).",
    )


class Migration(migrations.Migration):
    dependencies = [("therapy", "0002_rule_profile_version")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
