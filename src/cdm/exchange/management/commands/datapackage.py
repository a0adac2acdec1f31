import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdm.exchange import schema


class Command(BaseCommand):
    help = (
        "Écrit la description du paquet de données tirée du schéma : datapackage.json, "
        "ou la documentation des tables (--docs)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--docs", metavar="PATH", help="écrire la documentation Markdown (docs/data-package.md)"
        )

    def handle(self, *args, docs, **options):
        if docs:
            Path(docs).write_text(schema.describe(), encoding="utf-8")
            self.stdout.write(_("Documentation écrite : %(path)s") % {"path": docs})
        else:
            names = [t.name for t in schema.TABLES]
            descriptor = schema.datapackage(names, title="Network activity")
            self.stdout.write(json.dumps(descriptor, indent=2, ensure_ascii=False))
