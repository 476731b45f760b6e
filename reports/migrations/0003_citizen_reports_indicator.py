"""Point the model measure on citizens' reports (BP-A-06 of the 2024-11 catalogue) at the ``citizen_reports``
indicator in databases that loaded the catalogue before the indicator existed, as ``wildnet load_measures``
would. A catalogue loaded later reads the pointer from its file; a measure already pointing elsewhere is left."""

from django.db import migrations

VERSION, CODE, INDICATOR = "2024-11", "BP-A-06", "citizen_reports"


def point(apps, schema_editor):
    apps.get_model("compliance", "ModelMeasure").objects.filter(
        catalogue__version=VERSION, code=CODE, indicator__isnull=True).update(indicator=INDICATOR)


def unpoint(apps, schema_editor):
    apps.get_model("compliance", "ModelMeasure").objects.filter(
        catalogue__version=VERSION, code=CODE, indicator=INDICATOR).update(indicator=None)


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0002_model_measures"),
        ("reports", "0002_triage"),
    ]

    operations = [migrations.RunPython(point, unpoint)]
