"""E-mail each confirmed registrant the day before their session, with the cancellation link.

Run it daily (or hourly: a reminder is sent once), by cron or a systemd timer, e.g.
``0 9 * * * cdm programme_reminders --base-url https://cdm.example.org``. ``--now`` moves the clock
(tests). The links start with ``--base-url``, else ``CDM_SITE_URL``, else the first allowed host.
"""

import datetime
import os

from django.conf import settings
from django.core.management.base import BaseCommand

from cdm.accounts.scoping import network_scope
from cdm.programme.services import reminders_send


def default_base_url() -> str:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*"]
    return os.environ.get("CDM_SITE_URL") or (f"https://{hosts[0].lstrip('.')}" if hosts else "")


class Command(BaseCommand):
    help = "Envoie le rappel de la veille à chaque inscrit confirmé (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=datetime.datetime.fromisoformat, default=None)
        parser.add_argument("--base-url", default=None)

    def handle(self, *args, now=None, base_url=None, **options):
        with network_scope():
            sent = reminders_send(now=now, base_url=base_url or default_base_url())
        self.stdout.write(f"{sent}")
