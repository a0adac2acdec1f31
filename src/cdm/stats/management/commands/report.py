from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cdm.stats import report
from cdm.stats.period_args import PeriodError, period_from


class Command(BaseCommand):
    help = "Produit le rapport d'activité (réseau ou Cité) en JSON, HTML, PDF ou CSV."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=str)
        parser.add_argument("--from", dest="start", help="AAAA-MM-JJ, avec --to, au lieu de --year")
        parser.add_argument("--to", dest="end")
        parser.add_argument("--format", choices=report.FORMATS, default="json")
        parser.add_argument("--cite", help="l'identifiant d'une Cité : son tableau de bord")
        parser.add_argument("--country")
        parser.add_argument("--site")
        parser.add_argument("--theme")
        parser.add_argument("--channel")
        parser.add_argument("--language", default=None, help="fr, en… (défaut : la langue du système)")
        parser.add_argument(
            "--details", action="store_true", help="JSON : ajouter les répartitions du rapport"
        )
        parser.add_argument("-o", "--output", help="fichier à écrire (défaut : sortie standard)")

    def handle(self, *args, **o):
        language = o["language"] or translation.get_language() or "fr"
        try:
            period = period_from(
                year=o["year"],
                start=o["start"],
                end=o["end"],
                cite=o["cite"],
                country=o["country"],
                site=o["site"],
                theme=o["theme"],
                channel=o["channel"],
            )
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        with translation.override(language):
            if o["format"] == "json":
                content = report.render_json(period, details=o["details"], protected=o["details"])
            elif o["format"] == "csv":
                content = report.render_csv(period)
            elif o["format"] == "html":
                content = report.render_html(period)
            else:
                if not o["output"]:
                    raise CommandError(_("-o : un PDF s'écrit dans un fichier"))
                self.stderr.write(_("Calcul des chiffres et mise en page…"))
                content = report.render_pdf(period)
        if o["output"]:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(o["output"], mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
                f.write(content)
            self.stderr.write(_("Écrit : %(path)s") % {"path": o["output"]})
        else:
            self.stdout.write(content, ending="" if content.endswith("\n") else "\n")
