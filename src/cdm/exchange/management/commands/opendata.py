from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cdm.exchange.opendata import write_opendata


class Command(BaseCommand):
    help = "Écrit les données ouvertes d'une année : tableaux agrégés, petits effectifs masqués."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--language", default="fr")
        parser.add_argument("path")

    def handle(self, *args, year, language, path, **options):
        names = write_opendata(path, year=year, language=language)
        self.stdout.write(
            _("Données ouvertes écrites dans %(path)s : %(files)s")
            % {"path": path, "files": ", ".join(names)}
        )
