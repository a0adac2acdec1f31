"""An id for the data package on milestones and the representation log (kept across databases)."""

import uuid

from django.db import migrations, models

import cdm.governance.models

MODELS = ["milestone", "representationevent", "delegation", "intervention", "networkmembership"]


def give_ids(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("governance", name)
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(uid=str(uuid.uuid4()))


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [
        *[
            migrations.AddField(
                model_name=name,
                name="uid",
                field=models.CharField(max_length=64, null=True, editable=False, verbose_name="identifiant"),
            )
            for name in MODELS
        ],
        migrations.RunPython(give_ids, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=name,
                name="uid",
                field=models.CharField(
                    default=cdm.governance.models.new_uid,
                    editable=False,
                    max_length=64,
                    unique=True,
                    verbose_name="identifiant",
                ),
            )
            for name in MODELS
        ],
    ]
