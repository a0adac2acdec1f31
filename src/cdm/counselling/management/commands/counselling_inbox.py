"""Ingest the visitors' replies to e-mail answers from a maildir (``CDM_COUNSELLING_MAILDIR``):
each message found in ``new/`` joins its question's thread (reply token in the address or the
subject) and is then deleted; one that matches no open question is deleted too."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cdm.counselling.services import question_ingest


class Command(BaseCommand):
    help = "Lit les réponses des visiteurs (maildir) et les ajoute aux questions."

    def add_arguments(self, parser):
        parser.add_argument("--maildir", default=None)

    def handle(self, *args, maildir=None, **options):
        folder = Path(maildir or settings.COUNSELLING_MAILDIR or "")
        if not str(folder) or not (folder / "new").is_dir():
            raise CommandError("no maildir: set CDM_COUNSELLING_MAILDIR or pass --maildir")
        joined = ignored = 0
        for path in sorted((folder / "new").iterdir()):
            if not path.is_file():
                continue
            if question_ingest(path.read_bytes()) is None:
                ignored += 1
            else:
                joined += 1
            path.unlink()
        self.stdout.write(f"joined: {joined}, ignored: {ignored}")
