from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from cdm.exchange.spreadsheet import template_workbook


class Command(BaseCommand):
    help = "Écrit le modèle de saisie .xlsx (une feuille par table, listes déroulantes, aide)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--language", default="fr")

    def handle(self, *args, path, language, **options):
        with translation.override(language):
            Path(path).write_bytes(template_workbook())
            self.stdout.write(_("Modèle écrit : %(path)s") % {"path": path})
