"""Role groups and what each may do with patient records (issue #2).

Admins are superusers and need no group. Later apps grant their own permissions to these
groups in their own migrations.
"""

from django.db import migrations

from il2monitor.roles import grant_permissions

READ = ["patients.view_patient", "patients.view_admission"]
WRITE = [
    "patients.add_patient",
    "patients.change_patient",
    "patients.add_admission",
    "patients.change_admission",
]

GRANTS = {
    "nurse": READ + WRITE,
    "physician": READ + WRITE + ["patients.prescribe_spo2_scale"],
    "pharmacist": READ,
    "api_client": READ,
}


def grant(apps, schema_editor):
    grant_permissions(apps, GRANTS, app_label="patients")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
