"""Parsing and checking one cell of the data package. Every reason is translated and names the rule.

``parse(field, raw)`` is the rule; ``cell_parser(field)`` gives the same answers faster for a whole
column: the control-character check is done once per row by the caller (``has_control``), and a
column whose cells repeat (vocabularies, dates, references, numbers…) remembers its answers.
"""

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django_countries import countries

from cdm.network.models import validate_timezone

from .cells import formula_unquote
from .schema import Field

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d\Z")
LANGUAGE = re.compile(r"[a-z]{2}\Z")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INTEGER = re.compile(r"[+-]?\d{1,15}\Z")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?\Z")
URL = URLValidator(schemes=["http", "https"])


class CellError(ValueError):
    pass


MEMO_TYPES = frozenset(
    {"slug", "enum", "country", "date", "time", "boolean", "integer", "number", "language", "datetime"}
)
"""Types whose parsed value is immutable and whose cells repeat: answers are remembered."""
MEMO_SIZE = 10_000  # answers remembered per column, at most


def has_control(row: list[str]) -> bool:
    """Does a cell of ``row`` hold a control character (the first check of ``parse``)?"""
    return CONTROL.search("".join(row)) is not None


def cell_parser(field: Field):
    """``parse`` for the cells of one column, whose row ``has_control`` already cleared."""
    if field.type not in MEMO_TYPES:
        return lambda raw: _parse(field, raw)
    memo: dict = {}

    def parse_cell(raw: str):
        try:
            answer = memo[raw]
        except KeyError:
            try:
                answer = _parse(field, raw)
            except CellError as exc:
                answer = exc
            if len(memo) < MEMO_SIZE:
                memo[raw] = answer
        if answer.__class__ is CellError:
            raise CellError(*answer.args)
        return answer

    return parse_cell


def parse(field: Field, raw: str):
    """The cell's value, or ``None`` when empty; raises ``CellError`` with the reason."""
    if CONTROL.search(raw):
        raise CellError(control_reason())
    return _parse(field, raw)


def control_reason() -> str:
    return _("contient un caractère de contrôle (par exemple NUL)")


def _parse(field: Field, raw: str):
    value = raw.strip()
    if value == "":
        if field.required:
            raise CellError(_("valeur obligatoire manquante"))
        return None
    kind = field.type
    if kind in {"text", "id"}:
        # The export protects free text from spreadsheets' formulas (cells.py): undone here.
        value = formula_unquote(value)
    if kind in {"text", "id", "slug", "url"}:
        if len(value) > field.max_length:
            raise CellError(_("trop long (%(n)d caractères au plus)") % {"n": field.max_length})
        if kind == "slug" and not SLUG.match(value):
            raise CellError(
                _("« %(v)s » n'est pas un identifiant (minuscules, chiffres et tirets)") % {"v": value}
            )
        if kind == "url":
            try:
                URL(value)
            except ValidationError:
                raise CellError(
                    _("« %(v)s » n'est pas une adresse web commençant par http:// ou https://")
                    % {"v": value[:50]}
                ) from None
        return value
    if kind == "uuid":
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise CellError(_("« %(v)s » n'est pas un UUID") % {"v": value[:50]}) from None
    if kind == "timezone":
        try:
            validate_timezone(value)
        except ValidationError:
            raise CellError(_("« %(v)s » n'est pas un fuseau horaire IANA") % {"v": value[:50]}) from None
        return value
    if kind == "language":
        if not LANGUAGE.match(value):
            raise CellError(_("« %(v)s » n'est pas un code de langue ISO 639-1") % {"v": value[:50]})
        return value
    if kind == "dates":
        try:
            days = sorted({datetime.date.fromisoformat(d) for d in value.split(";") if DATE.match(d)})
            if len(days) != len(set(value.split(";"))):
                raise ValueError
        except ValueError:
            raise CellError(_("une liste de dates AAAA-MM-JJ séparées par « ; » est attendue")) from None
        return [d.isoformat() for d in days]
    if kind == "datetime":
        try:
            if not DATETIME.match(value):
                raise ValueError
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise CellError(
                _("« %(v)s » n'est pas une date et heure AAAA-MM-JJTHH:MM+HH:MM") % {"v": value[:50]}
            ) from None
        return moment  # without an offset: naive, made aware in its Cité's time zone by the import
    if kind == "enum":
        if value not in field.choices:
            raise CellError(
                _("« %(v)s » n'est pas une valeur permise (%(choices)s)")
                % {"v": value[:50], "choices": ", ".join(field.choices)}
            )
        return value
    if kind == "country":
        if value not in countries:
            raise CellError(_("« %(v)s » n'est pas un code de pays ISO 3166-1") % {"v": value[:50]})
        return value
    if kind == "languages":
        codes = value.split(";")
        if not all(LANGUAGE.match(c) for c in codes):
            raise CellError(_("une liste de codes de langue ISO 639-1 séparés par « ; » est attendue"))
        return codes
    if kind == "ids":
        ids = value.split(";")
        if not all(SLUG.match(i) for i in ids):
            raise CellError(_("une liste d'identifiants séparés par « ; » est attendue"))
        return ids
    if kind == "date":
        try:
            if not DATE.match(value):
                raise ValueError
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CellError(_("« %(v)s » n'est pas une date AAAA-MM-JJ") % {"v": value[:50]}) from None
    if kind == "time":
        if not TIME.match(value):
            raise CellError(_("« %(v)s » n'est pas une heure HH:MM") % {"v": value[:50]})
        return datetime.time.fromisoformat(value)
    if kind == "boolean":
        if value not in {"true", "false"}:
            raise CellError(_("« %(v)s » n'est pas true ou false") % {"v": value[:50]})
        return value == "true"
    if kind == "integer":
        if not INTEGER.match(value):
            raise CellError(_("« %(v)s » n'est pas un nombre entier") % {"v": value[:50]})
        number = int(value)
    elif kind == "number":
        try:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise CellError(_("« %(v)s » n'est pas un nombre") % {"v": value[:50]}) from None
    else:  # pragma: no cover - the schema names only the types above
        raise AssertionError(kind)
    if field.minimum is not None and number < field.minimum:
        raise CellError(_("doit être au moins %(min)s") % {"min": field.minimum})
    if field.maximum is not None and number > field.maximum:
        raise CellError(_("doit être au plus %(max)s") % {"max": field.maximum})
    return number
