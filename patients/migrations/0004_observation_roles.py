"""What each role may do with bedside records (issue #4): nurses and physicians record them and
mark them entered in error; pharmacists and API clients read them."""

from django.db import migrations

from il2monitor.roles import grant_permissions

MODELS = ["vitalsigns", "fluidentry", "labresult", "supportivemedication", "clinicalevent"]
READ = [f"patients.view_{model}" for model in [*MODELS, "vasopressorinfusion"]]
# add_: record; change_: mark entered in error (records are never edited or deleted).
WRITE = [f"patients.{action}_{model}" for model in MODELS for action in ("add", "change")]

GRANTS = {
    "nurse": READ + WRITE,
    "physician": READ + WRITE,
    "pharmacist": READ,
    "api_client": READ,
}


def grant(apps, schema_editor):
    grant_permissions(apps, GRANTS, app_label="patients")


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_observations"), ("patients", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
