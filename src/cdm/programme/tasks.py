"""The programme's background job: the reminders, for a scheduler that enqueues django-tasks.

django-tasks has no clock of its own: production runs ``cdm programme_reminders`` from cron (README);
a deployment whose scheduler enqueues tasks may enqueue this one instead — it does the same, once.
"""

from django_tasks import task

from cdm.accounts.scoping import network_scope

from .services import reminders_send


@task()
def send_reminders(base_url: str = "") -> int:
    with network_scope():
        return reminders_send(base_url=base_url)
