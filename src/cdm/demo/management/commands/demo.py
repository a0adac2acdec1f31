import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cdm.demo.generator import load_demo


class Command(BaseCommand):
    help = "Charge le réseau de démonstration (24 Cités, une année 2024 d'activité fictive)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = la taille du rapport 2024.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, seed, **options):
        if not 0 < scale <= 20:
            raise CommandError(_("--scale doit être compris entre 0 et 20."))
        started = time.monotonic()

        def progress(step, n):
            if options["verbosity"] > 0 and (sys.stderr.isatty() or step != "visits"):
                self.stderr.write(f"\r{step}: {n:,}", ending="" if step == "visits" else "\n")

        load_demo(scale=scale, seed=seed, progress=progress)
        self.stderr.write("")
        self.stdout.write(
            _(
                "Réseau de démonstration chargé en %(s).0f s. Comptes (mot de passe « demo ») : coordinator, "
                "manager-<cité>, agent-<cité>, counsellor-<cité>."
            )
            % {"s": time.monotonic() - started}
        )
