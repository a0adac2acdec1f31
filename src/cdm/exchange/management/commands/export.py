from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cdm.exchange.exporter import export_package
from cdm.network.models import Cite


class Command(BaseCommand):
    help = "Exporte une année d'activité en paquet de données (dossier, ou .zip)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--cite", help="l'identifiant d'une Cité (défaut : tout le réseau)")
        parser.add_argument("path")

    def handle(self, *args, year, cite, path, **options):
        if cite and not Cite.objects.filter(slug=cite).exists():
            raise CommandError(_("cite : aucune Cité « %(v)s »") % {"v": cite})
        counts = export_package(path, year=year, cite=cite)
        rows = ", ".join(f"{t}: {n}" for t, n in counts.items())
        self.stdout.write(_("Paquet écrit dans %(path)s (%(rows)s).") % {"path": path, "rows": rows})
