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
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment, Interview, Visit, visit_date_bounds
from cdm.audit.services import audit_import
from cdm.lib import planner
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.network.vocabularies import Outcome
from cdm.stats import months

from . import bulk
from .package import Package, PackageNotFound, PackageTooLarge
from .schema import TABLES, TABLES_BY_NAME, Table
from .validation import CellError, parse

MAX_REPORTED = 200
BATCH = 2000

VISIT_ID_NAMESPACE = uuid.UUID("f337d492-aaac-501e-855b-b37114e34882")
"""Fixed forever: a visit id that is not a UUID becomes uuid5(this, "<cite slug>:<id>")."""

OWNED_IDS = {"sites": Site, "visits": Visit, "activities": Activity}
"""Tables whose id names a row of one Cité: an existing id of another Cité is refused."""


def visit_uid(cite_slug: str, given: str) -> str:
    """The uid stored for a visit id of the package: a UUID as is (canonical), anything else
    mapped to a UUID that depends only on the Cité and the text, which is never stored."""
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
        self.ids: dict[str, set] = {t.name: set() for t in TABLES}
        self.site_cite: dict[str, str] = {}
        self.visit_is_interview: dict[str, bool] = {}
        self.visit_cite: dict[str, str] = {}  # a visit id that is not a UUID → its Cité's slug
        self.partnership_pairs: set[tuple[str, str]] = set()
        self.package_cites: dict[str, dict] = {}
        self._may_cache: dict = {}
        self._bounds_cache: dict = {}
        self._pending: dict[str, list] = {name: [] for name in OWNED_IDS}
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

    def _table_rows(self, package: Package, table: Table, *, report: bool):
        """Yield (line, {field: parsed or Problem}) for each row; header problems are reported."""
        header: list[str] | None = None
        try:
            for line, raw in package.rows(table.filename):
                if header is None:
                    header = [h.strip() for h in raw]
                    if report:
                        self._check_header(table, header)
                    # Worked out once per file: which column holds which field, which fields are absent.
                    by_name = {f.name: f for f in table.fields}
                    plan = [(i, by_name[name]) for i, name in enumerate(header) if name in by_name]
                    absent = [f for f in table.fields if f.name not in header]
                    width = len(header)
                    continue
                if not "".join(raw).strip():
                    continue
                if len(raw) != width:
                    if report:
                        self.result.add(
                            Problem(
                                table.filename,
                                line,
                                "",
                                _("%(n)d cellules au lieu de %(m)d") % {"n": len(raw), "m": len(header)},
                            )
                        )
                    continue
                values: dict = {}
                for i, field in plan:
                    try:
                        values[field.name] = parse(field, raw[i])
                    except CellError as exc:
                        values[field.name] = Problem(table.filename, line, field.name, str(exc))
                for field in absent:
                    values[field.name] = (
                        Problem(table.filename, line, field.name, _("valeur obligatoire manquante"))
                        if field.required
                        else None
                    )
                self._normalize(table, values)
                yield line, values
        except UnicodeDecodeError:
            if report:
                self.result.add(Problem(table.filename, None, "", _("le fichier n'est pas encodé en UTF-8")))
        except csv.Error as exc:
            if report:
                self.result.add(Problem(table.filename, None, "", _("CSV illisible : %(e)s") % {"e": exc}))
        except PackageTooLarge as exc:
            # Reported whatever the pass: reading stops here, and nothing is written.
            self.result.add(Problem(exc.file, None, "", exc.reason))
            return
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            self.result.add(Problem(table.filename, None, "", _("archive illisible : %(e)s") % {"e": exc}))
            return
        if header is None and report:
            self.result.add(
                Problem(table.filename, 1, "", _("le fichier est vide : une ligne d'en-tête est attendue"))
            )

    def _normalize(self, table: Table, values: dict) -> None:
        """A visit's id as stored: a UUID (see ``visit_uid``), in visits and interviews alike."""
        if table.name == "visits":
            given, cite = values.get("id"), values.get("cite")
            if isinstance(given, str) and isinstance(cite, str):
                values["id"] = visit_uid(cite, given)
                if values["id"] != given.lower():
                    self.visit_cite[given] = cite
        elif table.name == "interviews":
            given = values.get("visit")
            if isinstance(given, str):
                values["visit"] = self._interview_visit(given)

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

    def validate(self, package: Package) -> None:
        if not package.has("cites.csv"):
            self.result.add(Problem("cites.csv", None, "", _("fichier obligatoire absent du paquet")))
            return
        self.load_known()
        for table in TABLES:
            if not package.has(table.filename):
                continue
            check = getattr(self, f"_check_{table.name}")
            seen_keys: set = set()
            n = 0
            for line, values in self._table_rows(package, table, report=True):
                n += 1
                for v in values.values():
                    if isinstance(v, Problem):
                        self.result.add(v)
                if table.primary_key and not any(isinstance(values[k], Problem) for k in table.primary_key):
                    key = tuple(values[k] for k in table.primary_key)
                    if key in seen_keys:
                        self.result.add(
                            Problem(
                                table.filename, line, ",".join(table.primary_key), _("identifiant en double")
                            )
                        )
                    seen_keys.add(key)
                check(line, values)
                if n % 10000 == 0:
                    self.progress(f"{table.name} ({_('vérification')})", n)
            if table.name in OWNED_IDS:
                self._check_owners(table)
            self.result.rows[table.name] = n
            if table.name in {"cites", "sites", "partners"}:
                self.ids[table.name] = {k[0] for k in seen_keys}
            if table.name == "partnerships":
                self.partnership_pairs = seen_keys

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
        model = OWNED_IDS[table.name]
        key = "slug" if table.name == "sites" else "uid"
        with network_scope():
            owner = dict(
                model.objects.filter(**{f"{key}__in": [p[1] for p in pending]}).values_list(key, "cite__slug")
            )
        for line, row_id, cite, given in pending:
            if owner.get(row_id, cite) != cite:
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
        value = values.get(name)
        if value is None or isinstance(value, Problem):
            return False
        if value not in self.ids[target] and value not in self._known[target]:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    name,
                    _("« %(v)s » ne désigne aucune ligne de %(t)s.csv") % {"v": value, "t": target},
                )
            )
            return False
        return True

    def _cite(self, table: Table, line: int, values: dict) -> bool:
        if not self._ref(table, line, values, "cite", "cites"):
            return False
        if not self.may_import(values["cite"]):
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    "cite",
                    _("« %(v)s » n'est pas une Cité dont vous avez la charge") % {"v": values["cite"]},
                )
            )
            return False
        return True

    def _site_of_cite(self, table: Table, line: int, values: dict) -> None:
        site = values.get("site")
        if site is None or isinstance(site, Problem) or isinstance(values.get("cite"), Problem):
            return
        owner = self.site_cite.get(site) or self._known["sites"].get(site)
        if owner is None:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    "site",
                    _("« %(v)s » ne désigne aucune ligne de sites.csv") % {"v": site},
                )
            )
        elif owner != values["cite"]:
            self.result.add(
                Problem(
                    table.filename,
                    line,
                    "site",
                    _("le site « %(v)s » n'est pas un site de cette Cité") % {"v": site},
                )
            )

    def _dates_in_order(self, table, line, values, first, second):
        a, b = values.get(first), values.get(second)
        if a and b and not isinstance(a, Problem) and not isinstance(b, Problem) and b < a:
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

    def _check_cites(self, line, values):
        table = TABLES_BY_NAME["cites"]
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

    def _check_sites(self, line, values):
        table = TABLES_BY_NAME["sites"]
        if self._cite(table, line, values) and isinstance(values["id"], str):
            self.site_cite[values["id"]] = values["cite"]
            self._owned_id(table, line, values)
        self._dates_in_order(table, line, values, "opened_on", "closed_on")

    def _check_partners(self, line, values):
        pass

    def _check_partnerships(self, line, values):
        table = TABLES_BY_NAME["partnerships"]
        self._cite(table, line, values)
        self._ref(table, line, values, "partner", "partners")
        self._dates_in_order(table, line, values, "since", "until")

    def _check_contributions(self, line, values):
        table = TABLES_BY_NAME["contributions"]
        ok = self._cite(table, line, values) & self._ref(table, line, values, "partner", "partners")
        pair = (values["cite"], values["partner"])
        if ok and pair not in self.partnership_pairs and pair not in self._known["partnerships"]:
            self.result.add(
                Problem(
                    table.filename, line, "partner", _("aucun partenariat entre cette Cité et ce partenaire")
                )
            )

    def _check_visits(self, line, values):
        table = TABLES_BY_NAME["visits"]
        if self._cite(table, line, values):
            self._owned_id(table, line, values)
            day, bounds = values.get("date"), self._visit_bounds(values["cite"])
            if bounds is not None and day is not None and not isinstance(day, Problem):
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
        self._site_of_cite(table, line, values)
        if isinstance(values["id"], str) and isinstance(values["outcome"], str):
            self.visit_is_interview[values["id"]] = values["outcome"] == Outcome.INTERVIEW

    def _check_interviews(self, line, values):
        table = TABLES_BY_NAME["interviews"]
        visit = values["visit"]
        if isinstance(visit, str):
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
                        "visit",
                        _("« %(v)s » ne désigne aucune ligne de visits.csv") % {"v": visit},
                    )
                )
            elif not is_interview:
                self.result.add(
                    Problem(table.filename, line, "visit", _("cette visite n'a pas pour suite un entretien"))
                )
        self._ref(table, line, values, "partner", "partners")

    def _check_activities(self, line, values):
        table = TABLES_BY_NAME["activities"]
        if self._cite(table, line, values):
            self._owned_id(table, line, values)
        self._site_of_cite(table, line, values)
        partners = values.get("partners")
        if isinstance(partners, list):
            for p in partners:
                if p not in self.ids["partners"] and p not in self._known["partners"]:
                    self.result.add(
                        Problem(
                            table.filename,
                            line,
                            "partners",
                            _("« %(v)s » ne désigne aucune ligne de partners.csv") % {"v": p},
                        )
                    )

    def _check_equipment(self, line, values):
        self._cite(TABLES_BY_NAME["equipment"], line, values)

    # -- pass 2: writing ---------------------------------------------------------------------

    def _count(self, cite_id: int | None, what: str, table: str, n: int = 1) -> None:
        if n:
            self.touched.setdefault(cite_id, {}).setdefault(what, Counter())[table] += n

    def write(self, package: Package) -> None:
        if not hasattr(self, "_known"):
            self.load_known()
        with network_scope(), transaction.atomic():
            self.cite_pk = self._cite_pks()
            self.had_interviews = Interview._base_manager.exists()
            for table in TABLES:
                if package.has(table.filename):
                    getattr(self, f"_write_{table.name}")(package, table)
            for cite_id, counts in sorted(self.touched.items(), key=lambda item: item[0] or 0):
                summary = {"source": self.name, **{what: dict(n) for what, n in sorted(counts.items())}}
                audit_import(summary=summary, cite_id=cite_id, user=self.user, content_type_model=Visit)
            # Bulk writes send no signals: the report's months start over.
            months.bump_all()
        planner.refresh()  # the planner learns the new shape of the tables
        self.result.written = True

    def _rows(self, package, table):
        for _line, values in self._table_rows(package, table, report=False):
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

    def _cite_pks(self):
        return dict(Cite.objects.values_list("slug", "pk"))

    def _counted(self, table: str, model, key: list[str], fields: list[str], cite_of, write) -> None:
        """Run ``write`` on a small table and count, per Cité, the rows it created, changed, deleted."""
        columns = [*key, *fields]
        before = {row[: len(key)]: row for row in model.objects.values_list(*columns)}
        write()
        after = {row[: len(key)]: row for row in model.objects.values_list(*columns)}
        for k, row in after.items():
            if k not in before:
                self._count(cite_of(row), "created", table)
            elif before[k] != row:
                self._count(cite_of(row), "changed", table)
        for k, row in before.items():
            if k not in after:
                self._count(cite_of(row), "deleted", table)

    def _write_cites(self, package, table):
        if not self.writes_network:
            return  # a Cité's own description is changed in the back-office
        names = [
            "name",
            "country",
            "region",
            "city",
            "latitude",
            "longitude",
            "languages",
            "status",
            "member_since",
            "labelled_on",
            "opened_on",
        ]
        objs = [
            Cite(
                slug=v["id"],
                name=v["name"],
                country=v["country"],
                region=v["region"] or "",
                city=v["city"],
                latitude=_float(v["latitude"]),
                longitude=_float(v["longitude"]),
                languages=v["languages"] or [],
                status=v["status"],
                member_since=v["member_since"],
                labelled_on=v["labelled_on"],
                opened_on=v["opened_on"],
            )
            for v in self._rows(package, table)
        ]
        self._counted(
            "cites",
            Cite,
            ["slug", "pk"],
            names,
            lambda row: row[1],
            lambda: Cite.objects.bulk_create(
                objs, update_conflicts=True, unique_fields=["slug"], update_fields=names
            ),
        )
        self.cite_pk = self._cite_pks()

    def _write_sites(self, package, table):
        names = ["name", "kind", "city", "latitude", "longitude", "opened_on", "closed_on"]
        rows = list(self._rows(package, table))
        # The scope check on this write path: a slug of another Cité is not touched.
        owner = dict(Site.objects.filter(slug__in=[v["id"] for v in rows]).values_list("slug", "cite_id"))
        objs = [
            Site(
                slug=v["id"],
                cite_id=self.cite_pk[v["cite"]],
                name=v["name"],
                kind=v["kind"],
                city=v["city"] or "",
                latitude=_float(v["latitude"]),
                longitude=_float(v["longitude"]),
                opened_on=v["opened_on"],
                closed_on=v["closed_on"],
            )
            for v in rows
            if owner.get(v["id"], self.cite_pk[v["cite"]]) == self.cite_pk[v["cite"]]
        ]
        self._counted(
            "sites",
            Site,
            ["slug", "cite_id"],
            names,
            lambda row: row[1],
            # ``cite`` is not among the updated fields: an upsert never moves a site.
            lambda: Site.objects.bulk_create(
                objs, update_conflicts=True, unique_fields=["slug"], update_fields=names
            ),
        )

    def _write_partners(self, package, table):
        objs = [
            Partner(slug=v["id"], name=v["name"], kind=v["kind"], country=v["country"] or "")
            for v in self._rows(package, table)
        ]
        if self.writes_network:

            def write():
                Partner.objects.bulk_create(
                    objs,
                    update_conflicts=True,
                    unique_fields=["slug"],
                    update_fields=["name", "kind", "country"],
                )
        else:
            # A Cité brings new organisations; the network's shared directory is not rewritten.
            def write():
                existing = set(Partner.objects.values_list("slug", flat=True))
                Partner.objects.bulk_create([o for o in objs if o.slug not in existing])

        self._counted("partners", Partner, ["slug"], ["name", "kind", "country"], lambda row: None, write)

    def _partner_pks(self):
        return dict(Partner.objects.values_list("slug", "pk"))

    def _write_partnerships(self, package, table):
        partner_pk = self._partner_pks()
        objs = [
            Partnership(
                cite_id=self.cite_pk[v["cite"]],
                partner_id=partner_pk[v["partner"]],
                since=v["since"],
                until=v["until"],
            )
            for v in self._rows(package, table)
        ]
        self._counted(
            "partnerships",
            Partnership,
            ["cite_id", "partner_id"],
            ["since", "until"],
            lambda row: row[0],
            lambda: Partnership.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["cite", "partner"],
                update_fields=["since", "until"],
            ),
        )

    def _write_contributions(self, package, table):
        """Contributions have no id: each (Cité, year) of the package is replaced when it differs."""
        partner_pk = self._partner_pks()
        incoming: dict[tuple, Counter] = {}
        for v in self._rows(package, table):
            key = (self.cite_pk[v["cite"]], int(v["year"]))
            row = (
                partner_pk[v["partner"]],
                v["type"],
                _decimal(v["amount"]),
                v["unit"] or "",
                v["description"] or "",
            )
            incoming.setdefault(key, Counter())[row] += 1
        for (cite_id, year), rows in incoming.items():
            current = Contribution.objects.filter(cite_id=cite_id, year=year)
            existing = Counter(
                (p, t, _decimal(a), u, d)
                for p, t, a, u, d in current.values_list(
                    "partner_id", "type", "amount", "unit", "description"
                )
            )
            if existing == rows:
                continue
            self._count(cite_id, "deleted", "contributions", sum(existing.values()))
            self._count(cite_id, "created", "contributions", sum(rows.values()))
            current.delete()
            Contribution.objects.bulk_create(
                Contribution(
                    cite_id=cite_id, year=year, partner_id=p, type=t, amount=a, unit=u, description=d
                )
                for (p, t, a, u, d), n in rows.items()
                for _ in range(n)
            )

    def _site_pks(self):
        return dict(Site.objects.values_list("slug", "pk"))

    def _write_visits(self, package, table):
        site_pk = self._site_pks()
        visit_table, interview_table = Visit._meta.db_table, Interview._meta.db_table
        columns = [
            "uid",
            "cite_id",
            "site_id",
            "date",
            "time",
            "channel",
            "theme",
            "outcome",
            "age_band",
            "gender",
            "status",
            "first_visit",
            "recorded_at",
        ]
        # Neither the uid (the key), the Cité (never changed) nor when it was first recorded.
        update = columns[2:-1]
        now = timezone.now()
        for batch in self._batches(package, table):
            self.visit_years.update(_year(v["date"]) for v in batch)
            uids = [v["id"] for v in batch]
            before = bulk.owners(visit_table, "uid", uids)
            written = set(
                bulk.upsert(
                    visit_table,
                    columns,
                    ["uid"],
                    [
                        (
                            v["id"],
                            self.cite_pk[v["cite"]],
                            site_pk[v["site"]] if v["site"] else None,
                            v["date"],
                            v["time"],
                            v["channel"],
                            v["theme"],
                            v["outcome"],
                            v["age_band"],
                            v["gender"],
                            v["status"],
                            v["first_visit"],
                            now,
                        )
                        for v in batch
                    ],
                    update=update,
                    scope="cite_id",
                )
            )
            for v in batch:
                if v["id"] in written:
                    self._count(
                        self.cite_pk[v["cite"]], "changed" if v["id"] in before else "created", "visits"
                    )
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
        partner_pk = self._partner_pks()
        visit_table, interview_table = Visit._meta.db_table, Interview._meta.db_table
        for batch in self._batches(package, table):
            visit = bulk.owners(visit_table, "uid", [v["visit"] for v in batch])
            cite_slug = {pk: slug for slug, pk in self.cite_pk.items()}
            # An interview belongs to its visit's Cité: only the Cités the importer may import into.
            batch = [
                v for v in batch if v["visit"] in visit and self.may_import(cite_slug[visit[v["visit"]][1]])
            ]
            visit_ids = [visit[v["visit"]][0] for v in batch]
            before = set(
                Interview._base_manager.filter(visit_id__in=visit_ids).values_list("visit_id", flat=True)
            )
            written = set(
                bulk.upsert(
                    interview_table,
                    ["visit_id", "partner_id", "duration_minutes"],
                    ["visit_id"],
                    [
                        (
                            visit[v["visit"]][0],
                            partner_pk[v["partner"]] if v["partner"] else None,
                            v["duration_minutes"],
                        )
                        for v in batch
                    ],
                    update=["partner_id", "duration_minutes"],
                    scope=None,  # keyed on the visit, whose Cité was checked just above
                )
            )
            for v in batch:
                pk, cite_id = visit[v["visit"]]
                if pk in written:
                    self._count(cite_id, "changed" if pk in before else "created", "interviews")

    def _write_activities(self, package, table):
        site_pk = self._site_pks()
        partner_pk = self._partner_pks()
        through = Activity.partners.through
        activity_table = Activity._meta.db_table
        columns = [
            "uid",
            "cite_id",
            "site_id",
            "kind",
            "role",
            "title",
            "theme",
            "date",
            "duration_minutes",
            "participants",
        ]
        for batch in self._batches(package, table):
            before = bulk.owners(activity_table, "uid", [v["id"] for v in batch])
            written = set(
                bulk.upsert(
                    activity_table,
                    columns,
                    ["uid"],
                    [
                        (
                            v["id"],
                            self.cite_pk[v["cite"]],
                            site_pk[v["site"]] if v["site"] else None,
                            v["kind"],
                            v["role"],
                            v["title"],
                            v["theme"] or "",
                            v["date"],
                            v["duration_minutes"],
                            v["participants"],
                        )
                        for v in batch
                    ],
                    update=columns[2:],
                    scope="cite_id",
                )
            )
            after = bulk.owners(activity_table, "uid", [v["id"] for v in batch])
            # Partner links only for the activities of the row's own Cité.
            mine = [v for v in batch if after[v["id"]][1] == self.cite_pk[v["cite"]]]
            activity_pk = {v["id"]: after[v["id"]][0] for v in mine}
            wanted = {(activity_pk[v["id"]], partner_pk[p]) for v in mine for p in (v["partners"] or [])}
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

    def _write_equipment(self, package, table):
        names = ["paper_references", "paper_copies", "computer_stations", "tablets", "vr_headsets"]
        objs = [
            Equipment(cite_id=self.cite_pk[v["cite"]], year=v["year"], **{n: v[n] for n in names})
            for v in self._rows(package, table)
        ]
        self._counted(
            "equipment",
            Equipment,
            ["cite_id", "year"],
            names,
            lambda row: row[0],
            lambda: Equipment.objects.bulk_create(
                objs, update_conflicts=True, unique_fields=["cite", "year"], update_fields=names
            ),
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


def _year(value) -> int:
    return value.year if hasattr(value, "year") else int(str(value)[:4])


def _float(value):
    return None if value is None else float(value)


def _decimal(value):
    return None if value is None else value.quantize(_CENTS)


_CENTS = Decimal("0.01")


def import_package(path, *, user=None, name=None, progress=None, dry_run=False) -> ImportResult:
    """Import the package at ``path`` as ``user`` (None: the operator, every Cité)."""
    return PackageImport(path, user=user, name=name, progress=progress).run(dry_run=dry_run)
