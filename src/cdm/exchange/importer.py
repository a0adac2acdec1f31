"""Importing a network activity data package: validate everything, then write everything.

Two streaming passes over the files. The first checks every rule of the standard and
collects every problem (file, row, field, reason); if there is any, nothing is written.
The second writes in batches inside one transaction, as upserts on each row's natural
key, so that importing a package twice changes nothing the second time and a corrected
package updates what changed.
"""

import csv
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.audit.services import audit_import
from cdm.lib import planner
from cdm.network import directory
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.network.vocabularies import Outcome
from cdm.stats import months

from . import bulk
from .package import Package, PackageNotFound
from .schema import TABLES, TABLES_BY_NAME, Table
from .validation import CellError, parse

MAX_REPORTED = 200
BATCH = 2000


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
    """One import of one package. ``allowed_cites``: slugs the importer may bring (None: any)."""

    def __init__(
        self, path, *, allowed_cites: set[str] | None = None, user=None, progress: ProgressFn | None = None
    ):
        self.path = Path(path)
        self.allowed = allowed_cites
        self.user = user
        self.progress = progress or (lambda table, n: None)
        self.result = ImportResult()
        self.visit_years: set[int] = set()
        # What the package and the database hold, for references between tables.
        self.ids: dict[str, set] = {t.name: set() for t in TABLES}
        self.site_cite: dict[str, str] = {}
        self.visit_is_interview: dict[str, bool] = {}
        self.partnership_pairs: set[tuple[str, str]] = set()

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
                yield line, values
        except UnicodeDecodeError:
            if report:
                self.result.add(Problem(table.filename, None, "", _("le fichier n'est pas encodé en UTF-8")))
        except csv.Error as exc:
            if report:
                self.result.add(Problem(table.filename, None, "", _("CSV illisible : %(e)s") % {"e": exc}))
        if header is None and report:
            self.result.add(
                Problem(table.filename, 1, "", _("le fichier est vide : une ligne d'en-tête est attendue"))
            )

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

    def validate(self, package: Package) -> None:
        if not package.has("cites.csv"):
            self.result.add(Problem("cites.csv", None, "", _("fichier obligatoire absent du paquet")))
            return
        with network_scope():
            self._known = {
                "cites": set(Cite.objects.values_list("slug", flat=True)),
                "sites": dict(Site.objects.values_list("slug", "cite__slug")),
                "partners": set(Partner.objects.values_list("slug", flat=True)),
                "partnerships": set(Partnership.objects.values_list("cite__slug", "partner__slug")),
            }
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
            self.result.rows[table.name] = n
            if table.name in {"cites", "sites", "partners"}:
                self.ids[table.name] = {k[0] for k in seen_keys}
            if table.name == "partnerships":
                self.partnership_pairs = seen_keys

    def _ref(self, table: Table, line: int, values: dict, name: str, target: str) -> bool:
        value = values.get(name)
        if value is None or isinstance(value, Problem):
            return False
        known = self.ids[target] | set(self._known[target])
        if value not in known:
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
        if self.allowed is not None and values["cite"] not in self.allowed:
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

    def _check_cites(self, line, values):
        table = TABLES_BY_NAME["cites"]
        slug = values["id"]
        if self.allowed is not None and isinstance(slug, str) and slug not in self.allowed:
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
        self._cite(table, line, values)
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
                    outcome = Visit.objects.filter(uid=visit).values_list("outcome", flat=True).first()
                is_interview = None if outcome is None else outcome == Outcome.INTERVIEW
                if outcome is not None and self.allowed is not None:
                    with network_scope():
                        owner = Visit.objects.filter(uid=visit).values_list("cite__slug", flat=True).first()
                    if owner not in self.allowed:
                        is_interview = None
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
        self._cite(table, line, values)
        self._site_of_cite(table, line, values)
        partners = values.get("partners")
        if isinstance(partners, list):
            known = self.ids["partners"] | self._known["partners"]
            for p in partners:
                if p not in known:
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

    def write(self, package: Package) -> None:
        with network_scope(), transaction.atomic():
            self.cite_pk = {}
            self.had_interviews = Interview._base_manager.exists()
            for table in TABLES:
                if package.has(table.filename):
                    getattr(self, f"_write_{table.name}")(package, table)
            summary = {"source": self.path.name, "rows": self.result.rows}
            audit_import(summary=summary, cite_id=None, user=self.user, content_type_model=Visit)
            # Bulk writes send no signals: the desks' cached lookups and the report's months start over.
            directory.bump()
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

    def _write_cites(self, package, table):
        rows = list(self._rows(package, table))
        if self.allowed is None:
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
                for v in rows
            ]
            Cite.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["slug"],
                update_fields=[
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
                ],
            )
        self.cite_pk = self._cite_pks()

    def _write_sites(self, package, table):
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
            for v in self._rows(package, table)
        ]
        Site.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["slug"],
            update_fields=["cite", "name", "kind", "city", "latitude", "longitude", "opened_on", "closed_on"],
        )

    def _write_partners(self, package, table):
        objs = [
            Partner(slug=v["id"], name=v["name"], kind=v["kind"], country=v["country"] or "")
            for v in self._rows(package, table)
        ]
        if self.allowed is None:
            Partner.objects.bulk_create(
                objs, update_conflicts=True, unique_fields=["slug"], update_fields=["name", "kind", "country"]
            )
        else:
            # A Cité brings new organisations; the network's shared directory is not rewritten.
            existing = set(Partner.objects.values_list("slug", flat=True))
            Partner.objects.bulk_create([o for o in objs if o.slug not in existing])

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
        Partnership.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["cite", "partner"], update_fields=["since", "until"]
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
        update = columns[1:-1]
        now = timezone.now()
        for batch in self._batches(package, table):
            self.visit_years.update(_year(v["date"]) for v in batch)
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
            )
            # A visit whose outcome is no longer an interview loses its interview details.
            no_interview = [v["id"] for v in batch if v["outcome"] != Outcome.INTERVIEW]
            if self.had_interviews and no_interview:
                ids = list(bulk.ids_by(visit_table, "uid", no_interview).values())
                with connection.cursor() as cursor:
                    for start in range(0, len(ids), 5000):
                        chunk = ids[start : start + 5000]
                        marks = ", ".join(["%s"] * len(chunk))
                        cursor.execute(f"DELETE FROM {interview_table} WHERE visit_id IN ({marks})", chunk)  # noqa: S608

    def _write_interviews(self, package, table):
        partner_pk = self._partner_pks()
        visit_table = Visit._meta.db_table
        for batch in self._batches(package, table):
            visit_pk = bulk.ids_by(visit_table, "uid", [v["visit"] for v in batch])
            bulk.upsert(
                Interview._meta.db_table,
                ["visit_id", "partner_id", "duration_minutes"],
                ["visit_id"],
                [
                    (
                        visit_pk[v["visit"]],
                        partner_pk[v["partner"]] if v["partner"] else None,
                        v["duration_minutes"],
                    )
                    for v in batch
                ],
                update=["partner_id", "duration_minutes"],
            )

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
                update=columns[1:],
            )
            activity_pk = bulk.ids_by(activity_table, "uid", [v["id"] for v in batch])
            wanted = {(activity_pk[v["id"]], partner_pk[p]) for v in batch for p in (v["partners"] or [])}
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

    def _write_equipment(self, package, table):
        names = ["paper_references", "paper_copies", "computer_stations", "tablets", "vr_headsets"]
        objs = [
            Equipment(cite_id=self.cite_pk[v["cite"]], year=v["year"], **{n: v[n] for n in names})
            for v in self._rows(package, table)
        ]
        Equipment.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["cite", "year"], update_fields=names
        )

    # -- the whole --------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False) -> ImportResult:
        try:
            if self.path.suffix.lower() == ".xlsx":
                from .spreadsheet import SpreadsheetPackage

                package = SpreadsheetPackage(self.path)
            else:
                package = Package(self.path)
        except (PackageNotFound, OSError, ValueError, KeyError, zipfile.BadZipFile):
            self.result.add(
                Problem(self.path.name, None, "", _("ni un dossier, ni un fichier .zip ou .xlsx lisible"))
            )
            return self.result
        with package:
            self.validate(package)
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


def import_package(path, *, allowed_cites=None, user=None, progress=None, dry_run=False) -> ImportResult:
    return PackageImport(path, allowed_cites=allowed_cites, user=user, progress=progress).run(dry_run=dry_run)
