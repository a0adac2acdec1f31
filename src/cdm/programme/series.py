"""A series' sessions from its iCalendar rule (RFC 5545 RRULE) and exceptions, through python-dateutil.

The rule is read in the Cité's local time (``Cite.timezone``; the server's ``TIME_ZONE`` when none is
given) so that a weekly 14:00 stays at 14:00 there across daylight-saving changes; each occurrence is
then made aware in that zone. A rule without COUNT or UNTIL
stops after ``HORIZON_DAYS``; no series has more than ``MAX_SESSIONS`` sessions.
"""

import datetime

from dateutil.rrule import rrulestr
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_SESSIONS = 366
HORIZON_DAYS = 366
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class RuleError(ValueError):
    pass


def rule_for(frequency: str, start: datetime.datetime, until: datetime.date | None, tz=None) -> str:
    """The RRULE of the planning form's simple choices: once, weekly, every other week, monthly."""
    if not frequency:
        return ""
    local = timezone.localtime(start, tz) if timezone.is_aware(start) else start
    parts = {
        "weekly": "FREQ=WEEKLY",
        "biweekly": "FREQ=WEEKLY;INTERVAL=2",
        # The same weekday of the month: the 2nd Tuesday stays the 2nd Tuesday.
        "monthly": f"FREQ=MONTHLY;BYDAY=+{(local.day - 1) // 7 + 1}{WEEKDAYS[local.weekday()]}",
    }
    if frequency not in parts:
        raise RuleError(_("fréquence inconnue"))
    rule = parts[frequency]
    if until:
        rule += f";UNTIL={until:%Y%m%d}T235959"
    return rule


def validate_rule(rule: str) -> None:
    if not rule:
        return
    text = rule.removeprefix("RRULE:")
    if "\n" in text or "DTSTART" in text.upper():
        raise RuleError(_("une seule règle RRULE est attendue"))
    try:
        rrulestr(text, dtstart=datetime.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise RuleError(_("règle de récurrence invalide : %(e)s") % {"e": str(exc)[:100]}) from None


def parse_exdates(values) -> list[str]:
    """Exception dates as ISO strings, sorted, each once."""
    out = set()
    for value in values or []:
        try:
            out.add(datetime.date.fromisoformat(str(value).strip()).isoformat())
        except ValueError:
            raise RuleError(_("date d'exception invalide : %(v)s") % {"v": str(value)[:20]}) from None
    return sorted(out)


def occurrences(start: datetime.datetime, rule: str, exdates=(), tz=None) -> list[datetime.datetime]:
    """The aware start of every session of the series (in ``tz``), exceptions left out."""
    tz = tz or timezone.get_current_timezone()
    local = timezone.localtime(start, tz).replace(tzinfo=None)
    if not rule:
        found = [local]
    else:
        text = rule.removeprefix("RRULE:")
        # An UNTIL with a Z is a UTC instant; the local rule compares naive times.
        text = ";".join(p.rstrip("Z") if p.upper().startswith("UNTIL=") else p for p in text.split(";"))
        horizon = local + datetime.timedelta(days=HORIZON_DAYS)
        found = []
        for occurrence in rrulestr(text, dtstart=local):
            if occurrence > horizon or len(found) >= MAX_SESSIONS:
                break
            found.append(occurrence)
    skip = set(exdates or ())
    return [timezone.make_aware(o, tz) for o in found if o.date().isoformat() not in skip]


def with_until(rule: str, before: datetime.datetime, tz=None) -> str:
    """The rule stopped just before ``before`` (a series split at a session)."""
    local = timezone.localtime(before, tz).replace(tzinfo=None) - datetime.timedelta(seconds=1)
    parts = [
        p
        for p in rule.removeprefix("RRULE:").split(";")
        if p and p.split("=")[0].upper() not in ("UNTIL", "COUNT")
    ]
    return ";".join([*parts, f"UNTIL={local:%Y%m%dT%H%M%S}"])
