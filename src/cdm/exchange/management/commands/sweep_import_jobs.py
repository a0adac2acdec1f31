"""``cdm sweep_import_jobs``: imports a dead worker left "running" are marked failed; finished jobs
and the task queue's finished rows older than 90 days are deleted. Run it daily (cron), beside
``cdm db_worker``; ``tools/serve.py`` runs it when it starts."""

from django.core.management.base import BaseCommand

from cdm.exchange.tasks import KEEP_DAYS, sweep_jobs


class Command(BaseCommand):
    help = f"Fail abandoned import jobs; delete finished jobs and task rows older than {KEEP_DAYS} days."

    def handle(self, *args, **options):
        done = sweep_jobs()
        self.stdout.write(
            f"abandoned jobs failed: {done['abandoned']}; old jobs deleted: {done['jobs']}; "
            f"old task rows deleted: {done['tasks']}"
        )
