import datetime
import getpass
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.models import ApiToken, User
from cdm.accounts.tokens import token_create, token_revoke
from cdm.lib.actor import acting_user


def _command_line_actor():
    """Who acts from the command line, for the audit log: the system account that ran the command."""
    return SimpleNamespace(pk=None, username=f"cli:{getpass.getuser()}"[:150])


class Command(BaseCommand):
    help = "Jetons d'API des appareils : create, list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="crée un jeton et l'affiche (une seule fois)")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        create.add_argument("--days", type=int, default=None, help="expire après ce nombre de jours")
        listing = sub.add_parser("list", help="liste les jetons")
        listing.add_argument("--user")
        revoke = sub.add_parser("revoke", help="révoque un jeton par son préfixe")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        with acting_user(_command_line_actor()):
            self._handle(action, options)

    def _handle(self, action, options):
        if action == "create":
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("--user : aucun compte actif « %(v)s »") % {"v": options["user"]})
            days = options["days"]
            if days is not None and not 1 <= days <= 3660:
                raise CommandError(_("--days : un nombre de jours entre 1 et 3660 est attendu"))
            expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
            _token, raw = token_create(user=user, name=options["name"], expires_at=expires_at)
            self.stdout.write(raw)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user")
            if options.get("user"):
                tokens = tokens.filter(user__username=options["user"])
            for t in tokens:
                state = (
                    _("révoqué")
                    if t.revoked_at
                    else _("expiré")
                    if t.expires_at and t.expires_at <= timezone.now()
                    else _("actif")
                )
                used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "—"
                self.stdout.write(f"{t.prefix}\t{t.user.username}\t{t.name or '—'}\t{state}\t{used}")
        else:
            token = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True).first()
            if token is None:
                raise CommandError(_("aucun jeton actif « %(v)s »") % {"v": options["prefix"]})
            token_revoke(token=token)
            self.stdout.write(_("Jeton %(v)s révoqué.") % {"v": token.prefix})
