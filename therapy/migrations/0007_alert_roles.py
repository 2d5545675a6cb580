"""Who sees and acknowledges alerts (issue #6)."""

from django.db import migrations

from il2monitor.roles import grant_permissions

GRANTS = {
    "nurse": ["therapy.view_alert", "therapy.acknowledge_alert"],
    "physician": ["therapy.view_alert", "therapy.acknowledge_alert"],
    "pharmacist": ["therapy.view_alert"],
    "api_client": ["therapy.view_alert"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, GRANTS, app_label="therapy")


class Migration(migrations.Migration):
    dependencies = [("therapy", "0006_alerts"), ("therapy", "0005_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
