"""Importing a network activity data package: validate everything, then write everything.

Two streaming passes over the files. The first checks every rule of the standard and
collects every problem (file, row, field, reason); if there is any, nothing is written.
The second writes in batches inside one transaction, as upserts on each row's natural
key, so that importing a package twice changes nothing the second time and a corrected
package updates what changed.

Tenancy: the importer's Cités come from who they are (``permissions.may(user, IMPORT, cite)``),
never from the file; a row's id that exists in another Cité than the row's is refused (an id
never changes its Cité through an import), and every write path is guarded the same way
(``bulk``'s upserts, the site upsert, the interviews and partner links keyed on those ids).

A visit's id carries no person: a UUID is kept (canonical form); any other text becomes a UUID
derived from the Cité and that text (``visit_uid``), so re-imports stay idempotent and the text is
never stored. Each Cité the import touched gets one audit entry with its own counts.
"""

import csv
import datetime
import operator
import re
import uuid
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Interview, Visit, visit_date_bounds
from cdm.audit.services import audit_import
from cdm.lib import planner
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.network.vocabularies import Outcome
from cdm.programme import series, services
from cdm.programme.models import Attendance, Event, Session, SessionStatus
from cdm.stats import months

from . import bulk, schema
from .package import Package, PackageNotFound, PackageTooLarge
from .schema import Field, Table
from .validation import CONTROL, CellError, cell_parser, parse

MAX_REPORTED = 200
BATCH = 2000
KEPT_ROWS = 1_000_000
"""Rows the validation keeps parsed for the writing pass (a network year: about 540,000); a larger
package is read a second time instead: memory stays bounded (about 250 bytes a row)."""

VISIT_ID_NAMESPACE = uuid.UUID("f337d492-aaac-501e-855b-b37114e34882")
"""Fixed forever: a visit id that is not a UUID becomes uuid5(this, "<cite slug>:<id>")."""
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
"""A UUID as stored: kept as it is, without parsing it."""


def owned(table: Table) -> bool:
    """Does an id of ``table`` name a row of one Cité (an existing id of another Cité is refused)?"""
    names = table.field_names
    return "id" in names and "cite" in names


RAW_OWNER_CHECK = frozenset({"sites", "visits", "activities"})
"""Large tables whose ids are checked with one raw query per batch (``bulk.owners``)."""


def visit_uid(cite_slug: str, given: str) -> str:
    """The uid stored for a visit id of the package: a UUID as is (canonical), anything else
    mapped to a UUID that depends only on the Cité and the text, which is never stored."""
    if CANONICAL_UUID.match(given):
        return given
    try:
        return str(uuid.UUID(given))
    except ValueError:
        return str(uuid.uuid5(VISIT_ID_NAMESPACE, f"{cite_slug}:{given}"))


def _is_uuid(given: str) -> bool:
    try:
        uuid.UUID(given)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row else "")
        return f"{where}: {self.field or '—'}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(problem)


ProgressFn = Callable[[str, int | None], None]


class PackageImport:
    """One import of one package by ``user`` (None: the operator at the command line, who may
    import anything). ``name``: the file's name as the user gave it, for messages and the audit."""

    def __init__(self, path, *, user=None, name: str | None = None, progress: ProgressFn | None = None):
        self.path = Path(path)
        self.name = Path(name).name[:200] if name else self.path.name
        self.user = user
        self.progress = progress or (lambda table, n: None)
        self.result = ImportResult()
        self.visit_years: set[int] = set()
        # What the package and the database hold, for references between tables.
        self.ids: dict[str, set] = {t.name: set() for t in schema.TABLES}
        self._cell_parsers: dict[str, dict] = {}
        # The rows the validation parsed, kept for the writing pass while they fit in the budget.
        self._kept: dict[str, list[tuple]] = {}
        self._kept_budget = KEPT_ROWS
        self.site_cite: dict[str, str] = {}
        self.visit_is_interview: dict[str, bool] = {}
        self.visit_cite: dict[str, str] = {}  # a visit id that is not a UUID → its Cité's slug
        self.partnership_pairs: set[tuple[str, str]] = set()
        self.package_cites: dict[str, dict] = {}
        self._may_cache: dict = {}
        self._bounds_cache: dict = {}
        self._pending: dict[str, list] = defaultdict(list)
        # {table: {id: Cité slug}}: the rows of the package's Cité-owned tables, for references to them.
        self.row_cite: dict[str, dict[str, str]] = defaultdict(dict)
        self._stored_cite: dict[str, dict[str, str]] = {}
        self._datetime_columns: dict[str, list[str]] = {}
        self._absent: dict[str, set[str]] = {}  # {table: the columns its file leaves out}
        self._session_keys: dict[tuple, tuple[int, str]] = {}  # (column, value) → (line, session id)
        self._session_capacity: dict[str, tuple[int, int | None]] = {}  # session id → (line, capacity)
        # The programme's rows, for the attendances and the sessions a series makes.
        self._package_events: set[str] = set()  # programme_events.csv's ids
        self._events_with_sessions: set[str] = set()  # the events sessions.csv names
        self._package_sessions: dict[str, dict] = {}  # session id → its cite, activity, status (given)
        self._activity_participants: dict[str, int] = {}  # activities.csv: id → participants
        self._attendance_rows: list[tuple[int, str, dict]] = []  # (line, session id, tally)
        # (Cité id or None for the network's directory) → {"created"|"changed"|"deleted": {table: n}}
        self.touched: dict[int | None, dict[str, Counter]] = {}
        self.writes_network = user is None or may(user, Action.IMPORT, NETWORK)

    # -- who may import what -----------------------------------------------------------------

    def may_import(self, slug: str) -> bool:
        """May the importer bring rows of the Cité ``slug``? A Cité new to the network: only those
        who may import for the whole network."""
        if slug not in self._may_cache:
            cite = self._known["cites"].get(slug)
            if self.user is None:
                allowed = True
            elif cite is None:
                allowed = self.writes_network
            else:
                allowed = may(self.user, Action.IMPORT, cite)
            self._may_cache[slug] = allowed
        return self._may_cache[slug]

    # -- reading ---------------------------------------------------------------------------

    def _parsers(self, table: Table) -> dict:
        """One parser per column of ``table``, kept for the import (its answers are remembered)."""
        if table.name not in self._cell_parsers:
            self._cell_parsers[table.name] = {f.name: cell_parser(f) for f in table.fields}
        return self._cell_parsers[table.name]

    def _table_rows(self, package: Package, table: Table, *, report: bool):
        """Yield (line, {field: parsed or Problem}, whether a cell is a Problem) for each row;
        header problems are reported."""
        header: list[str] | None = None
        filename = table.filename
        try:
            for line, raw in package.rows(filename):
                if header is None:
                    header = [h.strip() for h in raw]
                    if report:
                        self._check_header(table, header)
                    # Worked out once per file: which column holds which field, which fields are absent.
                    by_name = {f.name: f for f in table.fields}
                    parsers = self._parsers(table)
                    plan = [
                        (i, by_name[name], parsers[name]) for i, name in enumerate(header) if name in by_name
                    ]
                    absent = [f for f in table.fields if f.name not in header]
                    self._absent[table.name] = {f.name for f in absent}
                    width = len(header)
                    continue
                joined = "".join(raw)
                if not joined.strip():
                    continue
                if len(raw) != width:
                    if report:
                        self.result.add(
                            Problem(
                                filename,
                                line,
                                "",
                                _("%(n)d cellules au lieu de %(m)d") % {"n": len(raw), "m": len(header)},
                            )
                        )
                    continue
                values: dict = {}
                bad = False
                checked = CONTROL.search(joined) is None  # else each cell goes through ``parse``
                for i, field, parse_cell in plan:
                    try:
                        values[field.name] = parse_cell(raw[i]) if checked else parse(field, raw[i])
                    except CellError as exc:
                        values[field.name] = Problem(filename, line, field.name, str(exc))
                        bad = True
                for field in absent:
                    if field.required:
                        values[field.name] = Problem(
                            filename, line, field.name, _("valeur obligatoire manquante")
                        )
                        bad = True
                    else:
                        values[field.name] = None
                self._normalize(table, values)
                yield line, values, bad
        except UnicodeDecodeError:
            if report:
                self.result.add(Problem(filename, None, "", _("le fichier n'est pas encodé en UTF-8")))
        except csv.Error as exc:
            if report:
                self.result.add(Problem(filename, None, "", _("CSV illisible : %(e)s") % {"e": exc}))
        except PackageTooLarge as exc:
            # Reported whatever the pass: reading stops here, and nothing is written.
            self.result.add(Problem(exc.file, None, "", exc.reason))
            return
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            self.result.add(Problem(filename, None, "", _("archive illisible : %(e)s") % {"e": exc}))
            return
        if header is None and report:
            self.result.add(
                Problem(filename, 1, "", _("le fichier est vide : une ligne d'en-tête est attendue"))
            )

    def _normalize(self, table: Table, values: dict) -> None:
        """A visit's id as stored: a UUID (see ``visit_uid``), in visits and interviews alike; a
        date and time without its offset: in the time zone of its Cité (stored), else the network's."""
        for name in self._naive_columns(table):
            value = values.get(name)
            if value.__class__ is datetime.datetime and value.tzinfo is None:
                cite = self._known["cites"].get(values.get("cite")) if "cite" in values else None
                zone = cite.tz if cite is not None else timezone.get_default_timezone()
                values[name] = timezone.make_aware(value, zone)
        if table.name == "visits":
            given, cite = values.get("id"), values.get("cite")
            if isinstance(given, str) and isinstance(cite, str) and not CANONICAL_UUID.match(given):
                values["id"] = visit_uid(cite, given)
                if values["id"] != given.lower():
                    self.visit_cite[given] = cite
        elif table.name == "interviews":
            given = values.get("visit")
            if isinstance(given, str) and not CANONICAL_UUID.match(given):
                values["visit"] = self._interview_visit(given)

    def _naive_columns(self, table: Table) -> list[str]:
        if table.name not in self._datetime_columns:
            self._datetime_columns[table.name] = [f.name for f in table.fields if f.type == "datetime"]
        return self._datetime_columns[table.name]

    def _interview_visit(self, given: str) -> str:
        """The uid of the visit an interview names: its Cité comes from the package's visits, or
        from the database (the Cités the importer may import into, tried in turn)."""
        if _is_uuid(given):
            return str(uuid.UUID(given))
        cite = self.visit_cite.get(given)
        if cite is not None:
            return visit_uid(cite, given)
        candidates = {visit_uid(slug, given): slug for slug in self._known["cites"] if self.may_import(slug)}
        with network_scope():
            found = Visit.objects.filter(uid__in=list(candidates)).values_list("uid", flat=True).first()
        return found or given

    def _check_header(self, table: Table, header: list[str]) -> None:
        seen = Counter(header)
        for name, n in seen.items():
            if n > 1:
                self.result.add(Problem(table.filename, 1, name, _("colonne en double")))
            if name not in table.field_names:
                self.result.add(Problem(table.filename, 1, name, _("colonne inconnue")))
        for f in table.fields:
            if f.required and f.name not in seen:
                self.result.add(Problem(table.filename, 1, f.name, _("colonne obligatoire absente")))

    # -- pass 1: validation -----------------------------------------------------------------

    def load_known(self) -> None:
        with network_scope():
            self._known = {
                "cites": {c.slug: c for c in Cite.objects.all()},
                "sites": dict(Site.objects.values_list("slug", "cite__slug")),
                "partners": set(Partner.objects.values_list("slug", flat=True)),
                "partnerships": set(Partnership.objects.values_list("cite__slug", "partner__slug")),
            }
        self._cite_slugs = {c.pk: slug for slug, c in self._known["cites"].items()}

    def validate(self, package: Package) -> None:
        if not package.has("cites.csv"):
            self.result.add(Problem("cites.csv", None, "", _("fichier obligatoire absent du paquet")))
            return
        self.load_known()
        for table in schema.TABLES:
            if not package.has(table.filename):
                continue
            checks = self._checks(table)
            seen_keys: set = set()
            key = table.primary_key
            one_key = key[0] if len(key) == 1 else None
            names = table.field_names
            kept = [] if self._kept_budget > 0 else None
            n = 0
            for line, values, bad in self._table_rows(package, table, report=True):
                n += 1
                if bad:
                    for v in values.values():
                        if v.__class__ is Problem:
                            self.result.add(v)
                if key and not (bad and any(values[k].__class__ is Problem for k in key)):
                    row_key = values[one_key] if one_key else tuple(values[k] for k in key)
                    if row_key in seen_keys:
                        self.result.add(
                            Problem(table.filename, line, ",".join(key), _("identifiant en double"))
                        )
                    seen_keys.add(row_key)
                for check in checks:
                    check(table, line, values)
                if kept is not None:
                    kept.append(tuple([values[name] for name in names]))
                    if len(kept) > self._kept_budget:
                        kept = None  # too many: the writing pass reads the file again
                if n % 10000 == 0:
                    self.progress(f"{table.name} ({_('vérification')})", n)
            if owned(table):
                self._check_owners(table)
            after = getattr(self, f"_after_{table.name}", None)
            if after is not None:
                after(table)
            self.result.rows[table.name] = n
            if kept is not None and self.result.ok:
                self._kept[table.name] = kept
                self._kept_budget -= len(kept)
            else:
                self._kept.clear()
            if table.name in {"cites", "sites", "partners"}:
                self.ids[table.name] = set(seen_keys)
            if table.name == "partnerships":
                self.partnership_pairs = seen_keys

    def _checks(self, table: Table) -> list:
        """The checks of a row of ``table`` beyond its cells: each reference (from the schema), the
        order of dates (the schema's ``after``), then the table's own rules (``_check_<table>``)."""
        checks = []
        if table.network:
            checks.append(self._network_row)
        for f in table.fields:
            if f.references == "cites" and f.type != "ids":
                checks.append(lambda table, line, values, name=f.name: self._cite(table, line, values, name))
            elif f.references == "sites":
                checks.append(
                    lambda table, line, values, name=f.name: self._site_of_cite(table, line, values, name)
                )
            elif f.references == "visits":
                checks.append(
                    lambda table, line, values, name=f.name: self._visit_ref(table, line, values, name)
                )
            elif f.references and f.references != "cites" and owned(schema.table(f.references)):
                checks.append(
                    lambda table, line, values, name=f.name, target=f.references: self._ref_of_cite(
                        table, line, values, name, target
                    )
                )
            elif f.references:
                checks.append(
                    lambda table, line, values, name=f.name, target=f.references: self._ref(
                        table, line, values, name, target
                    )
                )
            if f.after:
                checks.append(
                    lambda table, line, values, first=f.after, second=f.name: self._dates_in_order(
                        table, line, values, first, second
                    )
                )
        own = getattr(self, f"_check_{table.name}", None)
        if own is None and owned(table):
            own = self._check_owned
        if own is not None:
            checks.append(own)
        return checks

    def _network_row(self, table: Table, line: int, values: dict) -> None:
        """A row of the network's own life: only who imports for the whole network brings it."""
        if not self.writes_network:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    "id",
                    _("seule la coordination du réseau importe les lignes de ce tableau"),
                )
            )

    def _check_owned(self, table: Table, line: int, values: dict) -> None:
        """A row of a Cité's own table: its id is that Cité's (``_check_owners``) and is remembered
        with its Cité for the rows that name it."""
        if self._cite_ok(values["cite"]):
            self._owned_id(table, line, values)
            if isinstance(values["id"], str):
                self.row_cite[table.name][values["id"]] = values["cite"]

    def _ref_of_cite(self, table: Table, line: int, values: dict, name: str, target: str) -> None:
        """``name`` names a row of ``target`` (in the package, or stored) of the row's own Cité."""
        value, cite = values.get(name), values.get("cite")
        if not isinstance(value, str) or not isinstance(cite, str):
            return
        owner = self.row_cite[target].get(value)
        if owner is None:
            owner = self._stored_cites(target).get(value)
        if owner is None:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("« %(v)s » ne désigne aucune ligne de %(t)s.csv") % {"v": value, "t": target},
                )
            )
        elif owner != cite:
            self.result.add(
                Problem(
                    table.filename, line, name, _("« %(v)s » est une ligne d'une autre Cité") % {"v": value}
                )
            )

    def _stored_cites(self, target: str) -> dict[str, str]:
        """{id: Cité slug} of the stored rows of ``target``, read once."""
        if target not in self._stored_cite:
            t = schema.table(target)
            with network_scope():
                pairs = t.model._base_manager.values_list(t.field("id").model_field, "cite__slug")
                self._stored_cite[target] = {str(k): slug for k, slug in pairs}
        return self._stored_cite[target]

    def _owned_id(self, table: Table, line: int, values: dict, given: str | None = None) -> None:
        """Queue the row's id for the check that it is not another Cité's (``_check_owners``)."""
        row_id, cite = values.get("id"), values.get("cite")
        if isinstance(row_id, str) and isinstance(cite, str):
            pending = self._pending[table.name]
            pending.append((line, row_id, cite, given or row_id))
            if len(pending) >= BATCH:
                self._check_owners(table)

    def _check_owners(self, table: Table) -> None:
        """The one scope check of the import: an existing id keeps its Cité."""
        pending, self._pending[table.name] = self._pending[table.name], []
        if not pending:
            return
        model = table.model
        key = model._meta.get_field(table.field("id").model_field)
        if table.name in RAW_OWNER_CHECK:
            stored = bulk.owners(model._meta.db_table, key.column, [p[1] for p in pending])
        else:  # through the ORM: a UUID is stored in the database's own form
            rows = model._base_manager.filter(**{f"{key.name}__in": [p[1] for p in pending]})
            stored = {str(k): (pk, c) for k, pk, c in rows.values_list(key.name, "pk", "cite_id")}
        slug = self._cite_slugs
        for line, row_id, cite, given in pending:
            if row_id in stored and slug[stored[row_id][1]] != cite:
                self.result.add(
                    Problem(
                        table.filename,
                        line,
                        "id",
                        _(
                            "« %(v)s » est l'identifiant d'une ligne d'une autre Cité : "
                            "un import ne change jamais la Cité d'une ligne"
                        )
                        % {"v": given[:64]},
                    )
                )

    def _ref(self, table: Table, line: int, values: dict, name: str, target: str) -> bool:
        """Each id of ``name`` (one, or a list) names a row of ``target``, in the package or stored."""
        value = values.get(name)
        if value is None or value.__class__ is Problem:
            return False
        ok = True
        for one in value if isinstance(value, list) else (value,):
            if one not in self.ids[target] and one not in self._known[target]:
                self.result.add(
                    Problem(
                        table.filename,
                        line,
                        name,
                        _("« %(v)s » ne désigne aucune ligne de %(t)s.csv") % {"v": one, "t": target},
                    )
                )
                ok = False
        return ok

    def _cite(self, table: Table, line: int, values: dict, name: str = "cite") -> bool:
        if not self._ref(table, line, values, name, "cites"):
            return False
        if not self.may_import(values[name]):
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("« %(v)s » n'est pas une Cité dont vous avez la charge") % {"v": values[name]},
                )
            )
            return False
        return True

    def _site_of_cite(self, table: Table, line: int, values: dict, name: str = "site") -> None:
        site = values.get(name)
        if site is None or site.__class__ is Problem or values.get("cite").__class__ is Problem:
            return
        owner = self.site_cite.get(site) or self._known["sites"].get(site)
        if owner is None:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("« %(v)s » ne désigne aucune ligne de sites.csv") % {"v": site},
                )
            )
        elif owner != values["cite"]:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("le site « %(v)s » n'est pas un site de cette Cité") % {"v": site},
                )
            )

    def _visit_ref(self, table: Table, line: int, values: dict, name: str = "visit") -> None:
        """A visit of the package, or a stored visit of a Cité the importer may import into, whose
        outcome is an interview."""
        visit = values[name]
        if not isinstance(visit, str):
            return
        is_interview = self.visit_is_interview.get(visit)
        if is_interview is None:
            with network_scope():
                found = Visit.objects.filter(uid=visit).values_list("outcome", "cite__slug").first()
            if found is not None and self.may_import(found[1]):
                is_interview = found[0] == Outcome.INTERVIEW
        if is_interview is None:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("« %(v)s » ne désigne aucune ligne de visits.csv") % {"v": visit},
                )
            )
        elif not is_interview:
            self.result.add(
                Problem(table.filename, line, name, _("cette visite n'a pas pour suite un entretien"))
            )

    def _dates_in_order(self, table, line, values, first, second):
        a, b = values.get(first), values.get(second)
        if a and b and a.__class__ is not Problem and b.__class__ is not Problem and b < a:
            self.result.add(Problem(table.filename, line, second, _("précède %(f)s") % {"f": first}))

    def _visit_bounds(self, slug: str):
        """From the Cité's opening to today: the Cité's row of the package when it is new or this
        import rewrites it, else the Cité as stored."""
        if slug not in self._bounds_cache:
            cite = self._known["cites"].get(slug)
            row = self.package_cites.get(slug)
            if row is not None and (cite is None or self.writes_network):
                cite = Cite(**{k: row.get(k) for k in ("opened_on", "member_since", "labelled_on")})
            self._bounds_cache[slug] = visit_date_bounds(cite) if cite is not None else None
        return self._bounds_cache[slug]

    def _check_cites(self, table, line, values):
        slug = values["id"]
        if not isinstance(slug, str):
            return
        self.package_cites[slug] = {k: v for k, v in values.items() if not isinstance(v, Problem)}
        if not self.may_import(slug):
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    "id",
                    _("« %(v)s » n'est pas une Cité dont vous avez la charge") % {"v": slug},
                )
            )

    def _cite_ok(self, cite) -> bool:
        """Is ``cite`` a Cité of the package or of the network that the importer may import into?"""
        return (
            isinstance(cite, str)
            and (cite in self.ids["cites"] or cite in self._known["cites"])
            and self.may_import(cite)
        )

    def _check_sites(self, table, line, values):
        if isinstance(values["id"], str) and self._cite_ok(values["cite"]):
            self.site_cite[values["id"]] = values["cite"]
            self._owned_id(table, line, values)

    def _check_contributions(self, table, line, values):
        cite, partner = values["cite"], values["partner"]
        if not (isinstance(cite, str) and isinstance(partner, str)):
            return
        ok = self._cite_ok(cite) and (partner in self.ids["partners"] or partner in self._known["partners"])
        pair = (cite, partner)
        if ok and pair not in self.partnership_pairs and pair not in self._known["partnerships"]:
            self.result.add(
                Problem(
                    table.filename, line, "partner", _("aucun partenariat entre cette Cité et ce partenaire")
                )
            )

    def _check_visits(self, table, line, values):
        cite = values["cite"]
        if self._cite_ok(cite):
            self._owned_id(table, line, values)
            day, bounds = values["date"], self._visit_bounds(cite)
            if bounds is not None and day is not None and day.__class__ is not Problem:
                start, end = bounds
                if day > end:
                    self.result.add(
                        Problem(table.filename, line, "date", _("une visite ne peut pas être dans le futur"))
                    )
                elif day < start:
                    self.result.add(
                        Problem(
                            table.filename,
                            line,
                            "date",
                            _("une visite ne peut pas précéder l'ouverture de la Cité (%(d)s)")
                            % {"d": start},
                        )
                    )
        if isinstance(values["id"], str) and isinstance(values["outcome"], str):
            self.visit_is_interview[values["id"]] = values["outcome"] == Outcome.INTERVIEW

    def _check_activities(self, table, line, values):
        self._check_owned(table, line, values)
        if isinstance(values["id"], str) and isinstance(values["participants"], int):
            self._activity_participants[values["id"]] = values["participants"]

    def _check_programme_events(self, table, line, values):
        self._check_owned(table, line, values)
        if isinstance(values["id"], str):
            self._package_events.add(values["id"])
        if isinstance(values["rrule"], str):
            try:
                series.validate_rule(values["rrule"])
            except series.RuleError as exc:
                self.result.add(Problem(table.filename, line, "rrule", str(exc)))
        titles = [f.name for f in table.fields if f.model_field == "title" and f.key]
        if not any(isinstance(values[name], str) for name in titles):
            self.result.add(
                Problem(
                    table.filename, line, titles[0], _("un titre est obligatoire, dans une langue au moins")
                )
            )

    def _check_sessions(self, table, line, values):
        self._check_owned(table, line, values)
        starts, ends = values["starts_at"], values["ends_at"]
        if isinstance(starts, datetime.datetime) and isinstance(ends, datetime.datetime) and ends <= starts:
            self.result.add(Problem(table.filename, line, "ends_at", _("doit suivre le début de la séance")))
        capacity, registered = values["capacity"], values["registered"]
        if isinstance(capacity, int) and isinstance(registered, int) and registered > capacity:
            self.result.add(Problem(table.filename, line, "registered", _("plus d'inscrits que de places")))
        if isinstance(values["event"], str):
            self._events_with_sessions.add(values["event"])
        uid = values["id"]
        if not isinstance(uid, str):
            return
        absent = self._absent.get(table.name, set())
        self._package_sessions[uid] = {
            k: values[k] for k in ("cite", "activity", "status") if k not in absent
        }
        if not isinstance(capacity, Problem):
            self._session_capacity[uid] = (line, capacity)
        seen = self._session_keys
        for name, key in (
            ("occurrence", (values["event"], values["occurrence"])),
            ("activity", values["activity"]),
        ):
            if key is None or any(
                isinstance(k, Problem) for k in (key if isinstance(key, tuple) else (key,))
            ):
                continue
            if (name, key) in seen:
                self.result.add(
                    Problem(table.filename, line, name, _("une autre séance du paquet a déjà cette valeur"))
                )
            seen[(name, key)] = (line, uid)

    def _after_sessions(self, table):
        """A stored session that is not the row's own already stands for that occurrence of the
        event, or already counts through that activity; a stored session keeps its registrations."""
        keys = self._session_keys
        if not keys:
            return
        uids = {uid for _line, uid in keys.values()}
        with network_scope():
            stored = Session._base_manager.filter(
                models.Q(event__uid__in={k[0] for (n, k) in keys if n == "occurrence"})
                | models.Q(activity__uid__in={k for (n, k) in keys if n == "activity"})
                | models.Q(uid__in=uids)
            ).values_list("uid", "event__uid", "occurrence", "activity__uid", "seats_taken")
        capacity = self._session_capacity
        for uid, event, occurrence, activity, taken in stored:
            uid = str(uid)
            for name, key in (("occurrence", (str(event), occurrence)), ("activity", activity)):
                line, other = keys.get((name, key), (None, uid))
                if other != uid:
                    self.result.add(
                        Problem(
                            table.filename, line, name, _("une autre séance enregistrée a déjà cette valeur")
                        )
                    )
            if uid in capacity and capacity[uid][1] is not None and taken > capacity[uid][1]:
                self.result.add(
                    Problem(
                        table.filename,
                        capacity[uid][0],
                        "capacity",
                        _("moins de places que d'inscrits (%(n)d)") % {"n": taken},
                    )
                )

    def _check_attendances(self, table, line, values):
        """A session's tally: checked against its activity's participants once the file is read
        (``_after_attendances``); a family with a bad cell is not summed (the cell is reported)."""
        session = values["session"]
        if not isinstance(session, str):
            return
        self._attendance_rows.append((line, session, row_tally(table, values)))

    def _after_attendances(self, table):
        """Each attendance is of a session of the importer's Cités (in the package, or stored), not
        cancelled, counted by an activity; each family of its tally adds up to at most that
        activity's participants — the check of the staff page (``services.tally_complete``)."""
        pending, self._attendance_rows = self._attendance_rows, []
        if not pending:
            return
        package = self._package_sessions
        wanted = sorted({s for _line, s, _t in pending if len(package.get(s, ())) < 3})
        with network_scope():
            stored = {
                str(uid): {"cite": cite, "activity": activity, "status": status}
                for uid, cite, activity, status in _by_ids(
                    Session, "uid", wanted, "cite__slug", "activity__uid", "status"
                )
            }
        sessions: dict[str, dict] = {}
        for line, session, _tally in pending:
            if session in package:
                info = {**stored.get(session, {}), **package[session]}
                if not self._cite_ok(info["cite"]):
                    continue  # reported on sessions.csv
            else:
                info = stored.get(session)
                if info is None or not self.may_import(info["cite"]):
                    self.result.add(
                        Problem(
                            table.filename,
                            line,
                            "session",
                            _("« %(v)s » ne désigne aucune ligne de %(t)s.csv")
                            % {"v": session, "t": "sessions"},
                        )
                    )
                    continue
            sessions[session] = info
        activities = {i.get("activity") for i in sessions.values()}
        unknown = sorted(a for a in activities if isinstance(a, str) and a not in self._activity_participants)
        with network_scope():
            participants = {
                **dict(_by_ids(Activity, "uid", unknown, "participants")),
                **self._activity_participants,
            }
        for line, session, tally in pending:
            info = sessions.get(session)
            if info is None:
                continue
            activity, status = info.get("activity"), info.get("status")
            if activity.__class__ is Problem or status.__class__ is Problem:
                continue  # reported on sessions.csv
            if status == SessionStatus.CANCELLED:
                self.result.add(
                    Problem(table.filename, line, "session", _("une séance annulée n'a pas de présences"))
                )
                continue
            if activity is None:
                self.result.add(
                    Problem(
                        table.filename,
                        line,
                        "session",
                        _(
                            "aucune activité ne compte cette séance : sa colonne activity de sessions.csv est vide"
                        ),
                    )
                )
                continue
            count = participants.get(activity)
            if count is None:
                continue  # an unknown activity: reported on sessions.csv
            for family, counts in tally.items():
                try:
                    services.tally_complete({family: counts}, count)
                except services.ProgrammeError as exc:
                    self.result.add(
                        Problem(
                            table.filename,
                            line,
                            f"{family}_*",
                            exc.message
                            + " "
                            + _("(%(n)d comptés pour les %(m)d participants de l'activité « %(a)s »)")
                            % {"n": sum(counts.values()), "m": count, "a": activity},
                        )
                    )

    # -- pass 2: writing ---------------------------------------------------------------------
    #
    # Which model column each package column goes to comes from the schema (``Field.model_field``):
    # a reference is stored as the referenced row's key (``cite`` → ``cite_id``), an empty optional
    # cell as the model field's default when the column takes no NULL, and a model column that is in
    # no package column as its default (``auto_now_add``: now). Only what is not a column's value —
    # who may write which row, the counts, the interviews a visit loses — is written per table below.

    def _count(self, cite_id: int | None, what: str, table: str, n: int = 1) -> None:
        if n:
            self.touched.setdefault(cite_id, {}).setdefault(what, Counter())[table] += n

    def write(self, package: Package) -> None:
        if not hasattr(self, "_known"):
            self.load_known()
        with network_scope(), transaction.atomic():
            self.cite_pk = self._pks(Cite)
            self.had_interviews = Interview._base_manager.exists()
            for table in schema.TABLES:
                if package.has(table.filename):
                    write = getattr(self, f"_write_{table.name}", self._write_records)
                    write(package, table)
            self._sessions_of_events_alone()
            for cite_id, counts in sorted(self.touched.items(), key=lambda item: item[0] or 0):
                summary = {"source": self.name, **{what: dict(n) for what, n in sorted(counts.items())}}
                audit_import(summary=summary, cite_id=cite_id, user=self.user, content_type_model=Visit)
            # Bulk writes send no signals: the report's months start over.
            months.bump_all()
        planner.refresh()  # the planner learns the new shape of the tables
        self.result.written = True

    def _rows(self, package, table):
        """The rows of ``table``: as the validation kept them, or read again."""
        kept = self._kept.pop(table.name, None)
        if kept is not None:
            names = table.field_names
            kept.reverse()
            while kept:  # given back in order, and let go of as they go
                yield dict(zip(names, kept.pop(), strict=True))
            return
        for _line, values, _bad in self._table_rows(package, table, report=False):
            yield values

    def _batches(self, package, table):
        batch = []
        n = 0
        for values in self._rows(package, table):
            batch.append(values)
            if len(batch) >= BATCH:
                n += len(batch)
                yield batch
                self.progress(table.name, n)
                batch = []
        if batch:
            n += len(batch)
            yield batch
            self.progress(table.name, n)

    @staticmethod
    def _pks(model) -> dict:
        """{key: pk} of a referenced model (its key is the ``id`` column of its table, as text)."""
        key = next(t for t in schema.TABLES if t.model is model).field("id").model_field
        return {str(k): pk for k, pk in model._base_manager.values_list(key, "pk")}

    def _lookups(self, table: Table | None = None) -> dict:
        """{table: {id: pk}} for the references a write turns into keys (and those of ``table``)."""
        lookups = {"cites": self.cite_pk, "sites": self._pks(Site), "partners": self._pks(Partner)}
        for f in table.fields if table is not None else ():
            if f.references and f.references not in lookups:
                lookups[f.references] = self._pks(schema.table(f.references).model)
        return lookups

    def _plan(self, table: Table, lookups: dict) -> "WritePlan":
        return WritePlan(table, lookups, absent=self._absent.get(table.name, set()))

    def _write_records(self, package, table: Table) -> None:
        """A table of records with an id (milestones, the programme, the representation log): an
        upsert on the id, a row of another Cité left as it is, then its lists of links."""
        rows = list(self._rows(package, table))
        model = table.model
        key = table.field("id").model_field
        ids = [v["id"] for v in rows]
        scope = "cite_id" if owned(table) else "pk"
        stored = {str(k): cite_id for k, cite_id in _by_ids(model, key, ids, scope)}
        keep = None
        if owned(table):

            def keep(plan, obj):
                return stored.get(str(getattr(obj, key)), obj.cite_id) == obj.cite_id

        plan = self._plan(table, self._lookups(table))
        self._write_small(package, table, rows=rows, keep=keep, plan=plan)
        links = [f for f in table.fields if f.type == "ids"]
        if not links:
            return
        after = {str(k): (pk, cite_id) for k, pk, cite_id in _by_ids(model, key, ids, "pk", scope)}
        if owned(table):  # links only for the rows of the row's own Cité
            rows = [v for v in rows if after[v["id"]][1] == self.cite_pk[v["cite"]]]
        row_pk = {v["id"]: after[v["id"]][0] for v in rows}
        relinked: set[int] = set()
        for f in links:
            m2m = model._meta.get_field(f.model_field)
            through = m2m.remote_field.through
            source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
            target_pk = self._pks(m2m.related_model)
            wanted = {(row_pk[v["id"]], target_pk[t]) for v in rows for t in (v[f.name] or [])}
            current = set(
                through.objects.filter(**{f"{source}__in": row_pk.values()}).values_list(source, target)
            )
            for a, b in current - wanted:
                through.objects.filter(**{source: a, target: b}).delete()
            through.objects.bulk_create([through(**{source: a, target: b}) for a, b in wanted - current])
            relinked |= {a for a, _b in wanted ^ current}
        for v in rows:  # a stored row whose links changed (a new row was counted as created)
            if v["id"] in stored and row_pk[v["id"]] in relinked:
                self._count(self.cite_pk[v["cite"]] if owned(table) else None, "changed", table.name)

    def _counted(self, table: str, model, columns: list[str], cite_at: int | None, n_key: int, write) -> None:
        """Run ``write`` on a small table and count, per Cité, the rows it created, changed, deleted."""
        before = {row[:n_key]: row for row in model.objects.values_list(*columns)}
        write()
        after = {row[:n_key]: row for row in model.objects.values_list(*columns)}

        def cite_of(row):
            return None if cite_at is None else row[cite_at]

        for k, row in after.items():
            if k not in before:
                self._count(cite_of(row), "created", table)
            elif before[k] != row:
                self._count(cite_of(row), "changed", table)
        for k, row in before.items():
            if k not in after:
                self._count(cite_of(row), "deleted", table)

    def _write_small(
        self, package, table: Table, *, rows=None, keep=None, create_only: bool = False, plan=None
    ) -> None:
        """A small table through the ORM: an upsert on its key (``create_only``: new keys only),
        counted per Cité. ``keep(plan, obj)`` leaves out the objects it refuses."""
        plan = plan or self._plan(table, self._lookups())
        objs = [plan.instance(v) for v in (rows if rows is not None else self._rows(package, table))]
        if keep is not None:
            objs = [o for o in objs if keep(plan, o)]
        model = table.model
        if table.name == "cites":  # a Cité's rows are counted under itself
            columns, cite_at = [*plan.key_attnames, "pk", *plan.update_attnames], len(plan.key_attnames)
        else:
            columns = [*plan.key_attnames, *plan.scope_attnames, *plan.update_attnames]
            cite_at = columns.index(plan.cite_attname) if plan.cite_attname else None

        def write():
            if create_only or not plan.update_names:
                existing = set(model._base_manager.values_list(*plan.key_attnames))
                fresh = [o for o in objs if tuple(getattr(o, a) for a in plan.key_attnames) not in existing]
                model.objects.bulk_create(fresh)
            else:
                model.objects.bulk_create(
                    objs, update_conflicts=True, unique_fields=plan.key_names, update_fields=plan.update_names
                )

        self._counted(table.name, model, columns, cite_at, len(plan.key_attnames), write)

    def _write_cites(self, package, table):
        if not self.writes_network:
            return  # a Cité's own description is changed in the back-office
        self._write_small(package, table)
        self.cite_pk = self._pks(Cite)

    def _write_sites(self, package, table):
        rows = list(self._rows(package, table))
        # The scope check on this write path: a site of another Cité is not touched.
        key = table.field("id").model_field
        owner = dict(
            Site._base_manager.filter(**{f"{key}__in": [v["id"] for v in rows]}).values_list(key, "cite_id")
        )
        self._write_small(
            package,
            table,
            rows=rows,
            keep=lambda plan, obj: owner.get(getattr(obj, key), obj.cite_id) == obj.cite_id,
        )

    def _write_partners(self, package, table):
        # A Cité brings new organisations; the network's shared directory is rewritten only by who
        # imports for the whole network.
        self._write_small(package, table, create_only=not self.writes_network)

    def _write_partnerships(self, package, table):
        self._write_small(package, table)

    def _write_equipment(self, package, table):
        self._write_small(package, table)

    def _write_contributions(self, package, table):
        """Contributions have no id: each (Cité, year) of the package is replaced when it differs."""
        plan = self._plan(table, self._lookups())
        rest = [a for a in plan.attnames if a not in ("cite_id", "year")]
        incoming: dict[tuple, Counter] = {}
        for v in self._rows(package, table):
            obj = plan.instance(v)
            incoming.setdefault((obj.cite_id, int(obj.year)), Counter())[plan.values(obj, rest)] += 1
        for (cite_id, year), rows in incoming.items():
            current = Contribution.objects.filter(cite_id=cite_id, year=year)
            existing = Counter(plan.normalized(rest, row) for row in current.values_list(*rest))
            if existing == rows:
                continue
            self._count(cite_id, "deleted", "contributions", sum(existing.values()))
            self._count(cite_id, "created", "contributions", sum(rows.values()))
            current.delete()
            Contribution.objects.bulk_create(
                Contribution(cite_id=cite_id, year=year, **dict(zip(rest, row, strict=True)))
                for row, n in rows.items()
                for _ in range(n)
            )

    def _write_visits(self, package, table):
        plan = self._plan(table, self._lookups())
        visit_table, interview_table = Visit._meta.db_table, Interview._meta.db_table
        for batch in self._batches(package, table):
            self.visit_years.update(_year(v["date"]) for v in batch)
            uids = [v["id"] for v in batch]
            before = bulk.owners(visit_table, plan.key_columns[0], uids)
            written = plan.upsert(batch)
            counts = Counter(
                (v["cite"], "changed" if v["id"] in before else "created")
                for v in batch
                if v["id"] in written
            )
            for (cite, what), n in counts.items():
                self._count(self.cite_pk[cite], what, "visits", n)
            # A visit of this Cité whose outcome is no longer an interview loses its interview details.
            if not self.had_interviews:
                continue
            gone: dict[int, list[int]] = {}
            for v in batch:
                pk, cite_id = before.get(v["id"], (None, None))
                if v["outcome"] != Outcome.INTERVIEW and cite_id == self.cite_pk[v["cite"]]:
                    gone.setdefault(cite_id, []).append(pk)
            with connection.cursor() as cursor:
                for cite_id, ids in gone.items():
                    for start in range(0, len(ids), 5000):
                        chunk = ids[start : start + 5000]
                        marks = ", ".join(["%s"] * len(chunk))
                        cursor.execute(f"DELETE FROM {interview_table} WHERE visit_id IN ({marks})", chunk)  # noqa: S608
                        self._count(cite_id, "deleted", "interviews", max(cursor.rowcount, 0))

    def _write_interviews(self, package, table):
        lookups = self._lookups()
        visit_table = Visit._meta.db_table
        cite_slug = {pk: slug for slug, pk in self.cite_pk.items()}
        plan = None
        for batch in self._batches(package, table):
            visit = bulk.owners(visit_table, "uid", [v["visit"] for v in batch])
            # An interview belongs to its visit's Cité: only the Cités the importer may import into.
            batch = [
                v for v in batch if v["visit"] in visit and self.may_import(cite_slug[visit[v["visit"]][1]])
            ]
            lookups["visits"] = {uid: pk for uid, (pk, _cite) in visit.items()}
            plan = plan or self._plan(table, lookups)
            visit_ids = [visit[v["visit"]][0] for v in batch]
            before = set(
                Interview._base_manager.filter(visit_id__in=visit_ids).values_list("visit_id", flat=True)
            )
            # Keyed on the visit, whose Cité was checked just above: no scope column of its own.
            written = plan.upsert(batch)
            for v in batch:
                pk, cite_id = visit[v["visit"]]
                if pk in written:
                    self._count(cite_id, "changed" if pk in before else "created", "interviews")

    def _write_activities(self, package, table):
        lookups = self._lookups()
        partner_pk = lookups["partners"]
        plan = self._plan(table, lookups)
        links = [f.name for f in table.fields if f.type == "ids"]  # many-to-many: the partners
        activity_table = Activity._meta.db_table
        for batch in self._batches(package, table):
            before = bulk.owners(activity_table, "uid", [v["id"] for v in batch])
            written = plan.upsert(batch)
            after = bulk.owners(activity_table, "uid", [v["id"] for v in batch])
            # Links only for the activities of the row's own Cité.
            mine = [v for v in batch if after[v["id"]][1] == self.cite_pk[v["cite"]]]
            activity_pk = {v["id"]: after[v["id"]][0] for v in mine}
            for name in links:
                through = getattr(Activity, table.field(name).model_field).through
                wanted = {(activity_pk[v["id"]], partner_pk[p]) for v in mine for p in (v[name] or [])}
                current = set(
                    through.objects.filter(activity_id__in=activity_pk.values()).values_list(
                        "activity_id", "partner_id"
                    )
                )
                if wanted != current:
                    for activity_id, partner_id in current - wanted:
                        through.objects.filter(activity_id=activity_id, partner_id=partner_id).delete()
                    through.objects.bulk_create(
                        [through(activity_id=a, partner_id=p) for a, p in wanted - current]
                    )
                    relinked = {a for a, _p in wanted ^ current}
                    written |= {v["id"] for v in mine if activity_pk[v["id"]] in relinked}
            for v in mine:
                if v["id"] in written:
                    self._count(
                        self.cite_pk[v["cite"]], "changed" if v["id"] in before else "created", "activities"
                    )

    def _write_attendances(self, package, table):
        """A session's attendance: its count is its activity's participants, its tally completed as
        the staff page completes it (``services.tally_complete``); an unchanged one is left as it is."""
        rows = list(self._rows(package, table))
        cite_slug = {pk: slug for slug, pk in self.cite_pk.items()}
        sessions = {
            str(uid): (pk, cite_id, participants)
            for uid, pk, cite_id, participants in _by_ids(
                Session, "uid", [v["session"] for v in rows], "pk", "cite_id", "activity__participants"
            )
        }
        # The scope check on this write path: sessions of the Cités the importer may import into.
        rows = [
            v
            for v in rows
            if v["session"] in sessions
            and sessions[v["session"]][2] is not None
            and self.may_import(cite_slug[sessions[v["session"]][1]])
        ]
        stored = {
            a.session_id: a
            for a in Attendance._base_manager.filter(session_id__in=[sessions[v["session"]][0] for v in rows])
        }
        by = self.user if getattr(self.user, "pk", None) else None
        now = timezone.now()
        fresh, changed = [], []
        for v in rows:
            pk, cite_id, participants = sessions[v["session"]]
            tally = services.tally_complete(row_tally(table, v), participants)
            attendance = stored.get(pk)
            if attendance is None:
                fresh.append(
                    Attendance(
                        session_id=pk, cite_id=cite_id, participants=participants, tally=tally, recorded_by=by
                    )
                )
                self._count(cite_id, "created", table.name)
            elif (attendance.participants, attendance.tally) != (participants, tally):
                attendance.participants, attendance.tally = participants, tally
                attendance.recorded_by, attendance.recorded_at = by, now
                changed.append(attendance)
                self._count(cite_id, "changed", table.name)
        Attendance.objects.bulk_create(fresh)
        Attendance.objects.bulk_update(changed, ["participants", "tally", "recorded_by", "recorded_at"])

    def _sessions_of_events_alone(self) -> None:
        """An event the package brings without any of its sessions gets them as the planning page
        makes them (``services.sessions_sync``: its rule's occurrences in its Cité's time zone, kept
        in step with the rule, a moved or cancelled session kept); the sessions a package brings
        for an event are its truth. Keyed on the occurrence: a second import adds none."""
        alone = sorted(self._package_events - self._events_with_sessions)
        if not alone:
            return
        columns = ("uid", "occurrence", "starts_at", "ends_at", "status", "site_id", "capacity")
        for event in Event.objects.filter(uid__in=alone).select_related("cite").order_by("uid"):
            if not self.may_import(event.cite.slug):
                continue  # the scope check on this write path
            before = {row[0]: row for row in Session.objects.filter(event=event).values_list(*columns)}
            services.sessions_sync(event)
            after = {row[0]: row for row in Session.objects.filter(event=event).values_list(*columns)}
            self._count(event.cite_id, "created", "sessions", len(after.keys() - before.keys()))
            self._count(event.cite_id, "deleted", "sessions", len(before.keys() - after.keys()))
            self._count(
                event.cite_id,
                "changed",
                "sessions",
                sum(1 for k in after.keys() & before.keys() if after[k] != before[k]),
            )

    # -- the whole --------------------------------------------------------------------------

    def open(self):
        """The package, or a problem naming the file."""
        try:
            if self.path.suffix.lower() == ".xlsx":
                from .spreadsheet import SpreadsheetPackage

                return SpreadsheetPackage(self.path, name=self.name)
            return Package(self.path, name=self.name)
        except PackageTooLarge as exc:
            self.result.add(Problem(exc.file, None, "", exc.reason))
        except (PackageNotFound, OSError, ValueError, KeyError, zipfile.BadZipFile):
            self.result.add(
                Problem(self.name, None, "", _("ni un dossier, ni un fichier .zip ou .xlsx lisible"))
            )
        return None

    def run(self, *, dry_run: bool = False) -> ImportResult:
        package = self.open()
        if package is None:
            return self.result
        with package:
            try:
                self.validate(package)
            except PackageTooLarge as exc:  # a sheet's declared size, refused before reading it
                self.result.add(Problem(exc.file, None, "", exc.reason))
            if self.result.ok and not dry_run:
                self.write(package)
        if self.result.written:
            self.compute_reports()
        return self.result

    def compute_reports(self) -> None:
        """The network report of every year the import brought visits to, computed now: the import
        changed every month, and the coordinator opens that report next."""
        from cdm.stats import cache

        cache.compute_reports(
            self.visit_years,
            progress=lambda year: self.progress(_("chiffres du rapport %(year)s") % {"year": year}, None),
        )


class WritePlan:
    """How the rows of one table go to its model's columns, derived from the schema once per write.

    ``lookups`` turns each reference into the referenced row's key: {table: {id: pk}}; ``absent``:
    the columns the file leaves out, which an update leaves as they are."""

    def __init__(self, table: Table, lookups: dict, absent: set[str] = frozenset()):
        self.table = table
        meta = table.model._meta
        self.fields = [
            (f, meta.get_field(f.model_field)) for f in table.fields if f.type != "ids" and not f.key
        ]
        # A text per language: the columns of one model field together, as {language: text}.
        texts: dict[str, list[tuple[str, str]]] = {}
        for f in table.fields:
            if f.key:
                texts.setdefault(f.model_field, []).append((f.key, f.name))
        self.texts = list(texts.values())
        for name in texts:
            self.fields.append((Field(name, "text", attr=name), meta.get_field(name)))
        self.names = [f.name for f, _mf in self.fields[: len(self.fields) - len(self.texts)]]
        self.attnames = [mf.attname for _f, mf in self.fields]
        key = set(table.primary_key)
        self.key_names = [mf.name for f, mf in self.fields if f.name in key]
        self.key_attnames = [mf.attname for f, mf in self.fields if f.name in key]
        self.key_columns = [mf.column for f, mf in self.fields if f.name in key]
        # The row's Cité; outside the key, it is the scope: never changed by an upsert, and only rows
        # of the same Cité are updated.
        self.cite_attname = next((mf.attname for f, mf in self.fields if f.references == "cites"), None)
        cite = next((mf for f, mf in self.fields if f.references == "cites" and f.name not in key), None)
        self.scope_attnames = [cite.attname] if cite else []
        self.scope_column = cite.column if cite else None
        # Written on creation only: a column so marked, and a column the file leaves out (an older
        # package keeps what is stored; a new row takes the default).
        fixed = {f.model_field for f in table.fields if not f.update}
        fixed |= {f.model_field for f in table.fields if f.name in absent} - {
            f.model_field for f in table.fields if f.name not in absent
        }
        updated = [
            mf for f, mf in self.fields if f.name not in key and mf is not cite and mf.name not in fixed
        ]
        self.update_names = [mf.name for mf in updated]
        self.update_attnames = [mf.attname for mf in updated]
        # Per column: what turns the parsed cell into the stored value (None: as it is).
        self.convert: list = []
        for f, mf in self.fields:
            if f.references:
                # Looked up when called: a batch may bring its own (the interviews' visits).
                self.convert.append(lambda v, t=f.references: None if v is None else lookups[t][v])
            elif not mf.null and not f.required:
                default = mf.get_default()
                self.convert.append(lambda v, d=default: d if v is None else v)
            elif isinstance(mf, models.DecimalField):
                places = Decimal(1).scaleb(-mf.decimal_places)
                self.convert.append(lambda v, q=places: None if v is None else v.quantize(q))
            else:
                self.convert.append(None)
        self.convert = self.convert[: len(self.names)]
        self.fixups = [(i, fn) for i, fn in enumerate(self.convert) if fn is not None]
        self.get = operator.itemgetter(*self.names) if len(self.names) > 1 else lambda v: (v[self.names[0]],)
        # Model columns that no package column fills, and that take no NULL: their default.
        covered = {mf.column for _f, mf in self.fields}
        self.extra = [
            mf
            for mf in meta.concrete_fields
            if mf.column not in covered and not mf.null and not (mf.primary_key and mf.auto_created)
        ]

    def row(self, values: dict) -> list:
        row = list(self.get(values))
        for i, fn in self.fixups:
            row[i] = fn(row[i])
        for pairs in self.texts:
            row.append({key: values[name] for key, name in pairs if values[name] is not None})
        return row

    def instance(self, values: dict):
        return self.table.model(**dict(zip(self.attnames, self.row(values), strict=True)))

    def values(self, obj, attnames: list[str]) -> tuple:
        return tuple(getattr(obj, a) for a in attnames)

    def normalized(self, attnames: list[str], stored: tuple) -> tuple:
        """A stored row as ``instance`` would build it (decimals to the model's places)."""
        out = []
        for a, v in zip(attnames, stored, strict=True):
            i = self.attnames.index(a)
            mf = self.fields[i][1]
            if v is not None and isinstance(mf, models.DecimalField):
                v = Decimal(v).quantize(Decimal(1).scaleb(-mf.decimal_places))
            out.append(v)
        return tuple(out)

    def upsert(self, batch: list[dict]) -> set:
        """``bulk.upsert`` of the batch: the key, the Cité (never updated), every other column
        updated when it differs, and the columns no package column fills set on insert only."""
        now = timezone.now()
        extra_values = [
            mf.get_db_prep_save(now if getattr(mf, "auto_now_add", False) else mf.get_default(), connection)
            for mf in self.extra
        ]
        columns = [mf.column for _f, mf in self.fields] + [mf.column for mf in self.extra]
        update = [self.table.model._meta.get_field(name).column for name in self.update_names]
        rows = [self.row(v) + extra_values for v in batch]
        return set(
            bulk.upsert(
                self.table.model._meta.db_table,
                columns,
                self.key_columns,
                rows,
                update=update,
                scope=self.scope_column,
            )
        )


def _by_ids(model, key: str, ids: list, *fields: str):
    """(key, *fields) of the stored rows of ``model`` whose ``key`` is in ``ids``, a chunk at a time."""
    for start in range(0, len(ids), 5000):
        yield from model._base_manager.filter(**{f"{key}__in": ids[start : start + 5000]}).values_list(
            key, *fields
        )


def tally_columns(table: Table) -> list[tuple[str, str, str]]:
    """(column, family, code) of each count of a tally (``schema.tally_fields``)."""
    return [(f.name, *f.key.split("/")) for f in table.fields if f.model_field == "tally" and f.key]


def row_tally(table: Table, values: dict) -> dict:
    """{family: {code: count}} of a row's filled cells; a family whose cells are all empty is not
    in it (not asked), nor one with a bad cell (reported on its own)."""
    tally: dict[str, dict] = {}
    bad: set[str] = set()
    for name, family, code in tally_columns(table):
        n = values[name]
        if n.__class__ is Problem:
            bad.add(family)
        elif n is not None:
            tally.setdefault(family, {})[code] = n
    return {family: counts for family, counts in tally.items() if family not in bad}


def _year(value) -> int:
    return value.year if hasattr(value, "year") else int(str(value)[:4])


def import_package(path, *, user=None, name=None, progress=None, dry_run=False) -> ImportResult:
    """Import the package at ``path`` as ``user`` (None: the operator, every Cité)."""
    return PackageImport(path, user=user, name=name, progress=progress).run(dry_run=dry_run)
