"""Delete the registrations whose session ended more than the retention ago (docs/personal-data.md).

Run it daily (cron, or the scheduler that runs the other commands). ``--now`` moves the clock (tests).
"""

import datetime

from django.core.management.base import BaseCommand

from cdm.accounts.scoping import network_scope
from cdm.programme.services import RETENTION_DAYS, registrations_purge


class Command(BaseCommand):
    help = f"Supprime les inscriptions des séances terminées depuis plus de {RETENTION_DAYS} jours."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=datetime.datetime.fromisoformat, default=None)

    def handle(self, *args, now=None, **options):
        with network_scope():
            deleted = registrations_purge(now=now)
        self.stdout.write(f"{deleted}")
