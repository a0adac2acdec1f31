"""Delete what online counselling has kept long enough: run it daily (cron, a systemd timer)."""

from django.core.management.base import BaseCommand

from cdm.counselling.services import purge


class Command(BaseCommand):
    help = (
        "Efface les messages et les adresses des échanges en ligne dont la durée de conservation est passée."
    )

    def handle(self, *args, **options):
        done = purge()
        self.stdout.write(
            f"conversations: {done.conversations}, questions: {done.questions}, "
            f"messages: {done.messages}, addresses: {done.addresses}"
        )
