import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cdm.exchange.importer import import_package


class Command(BaseCommand):
    help = "Importe un paquet de données d'activité (dossier ou .zip) : tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier seulement, sans rien écrire.")

    def handle(self, *args, path, dry_run, **options):
        last = {}

        def progress(table, n):
            if sys.stderr.isatty() or options["verbosity"] > 1:
                last[table] = n
                line = f"{table}…" if n is None else f"{table}: {n:>9,} {_('lignes')}"
                self.stderr.write(f"\r{line:<60}", ending="")
                self.stderr.flush()

        result = import_package(path, progress=progress, dry_run=dry_run)
        if last:
            self.stderr.write("")
        for problem in result.problems:
            self.stderr.write(str(problem))
        if not result.ok:
            hidden = result.problem_count - len(result.problems)
            if hidden:
                self.stderr.write(_("… et %(n)d autres erreurs.") % {"n": hidden})
            raise CommandError(
                _("%(n)d erreur(s) : rien n'a été importé.") % {"n": result.problem_count}, returncode=1
            )
        rows = ", ".join(f"{table}: {n}" for table, n in result.rows.items())
        if dry_run:
            self.stdout.write(_("Paquet valide (%(rows)s). Rien n'a été écrit.") % {"rows": rows})
        else:
            self.stdout.write(_("Import terminé (%(rows)s).") % {"rows": rows})
