"""What each role may do with IL-2 courses and doses (issue #5)."""

from django.db import migrations

from il2monitor.roles import grant_permissions

READ = ["therapy.view_course", "therapy.view_dose"]
GIVE = ["therapy.administer_dose"]
GRANTS = {
    "nurse": READ + GIVE,
    "physician": READ
    + GIVE
    + ["therapy.add_course", "therapy.discontinue_course", "therapy.override_precheck"],
    "pharmacist": READ,
    "api_client": READ,
}


def grant(apps, schema_editor):
    grant_permissions(apps, GRANTS, app_label="therapy")


class Migration(migrations.Migration):
    dependencies = [("therapy", "0004_courses_and_doses"), ("patients", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
