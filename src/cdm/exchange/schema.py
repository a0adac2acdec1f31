"""The network activity data package (version 1), as data: the one description of its tables.

Every column is written here once — its name, type, whether it is required, its bounds, its
vocabulary, the table it references and the model field that stores it — and everything else is
derived from it:

- the import's validation (``validation.cell_parser`` per column, references and date order
  checked by ``importer``) and its writes (``importer``: the model columns of each table);
- the export (``exporter``: the columns read from the models, in this order);
- ``datapackage.json`` (``datapackage``, a Frictionless Table Schema per table);
- the .xlsx template (``spreadsheet``: sheets, headers, drop-down lists, help);
- the documentation (``describe`` → ``docs/data-package.md``, kept in step by a test).

Vocabularies come from ``cdm.network.vocabularies``. Code that reads the tables at run time goes
through ``schema.TABLES`` / ``schema.table(name)`` (never a copy taken at import time), so that a
column added here — or by a test — reaches every one of them.
"""

from dataclasses import dataclass

from django.conf import settings

from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.governance.models import (
    Delegation,
    EventRole,
    Intervention,
    Milestone,
    MilestoneKind,
    NetworkMembership,
    Precision,
    RepresentationEvent,
)
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.network.vocabularies import (
    ActivityKind,
    ActivityRole,
    AgeBand,
    Channel,
    ContributionType,
    Gender,
    LabelStatus,
    Outcome,
    PartnerKind,
    SiteKind,
    Status,
    Theme,
)
from cdm.programme.models import Attendance, Event, Format, Role, Session, SessionStatus
from cdm.programme.services import TALLY

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Type:
    """A column type of the package: how Frictionless names it, the pattern a cell matches, and
    what it means (``datapackage.json``'s field descriptions and the docs)."""

    frictionless: str
    pattern: str | None
    doc: str


TYPES = {
    "slug": Type("string", SLUG_PATTERN, "identifier: lower-case letters, digits and hyphens"),
    "id": Type("string", None, "unique identifier (a UUID is recommended)"),
    "text": Type("string", None, "free text"),
    "country": Type("string", "^[A-Z]{2}$", "ISO 3166-1 alpha-2 country code, e.g. FR, BE"),
    "languages": Type("string", "^[a-z]{2}(;[a-z]{2})*$", "ISO 639-1 language codes separated by `;`"),
    "number": Type("number", None, "number"),
    "integer": Type("integer", None, "whole number"),
    "date": Type("date", None, "date, YYYY-MM-DD"),
    "time": Type("string", "^([01][0-9]|2[0-3]):[0-5][0-9]$", "time of day, HH:MM"),
    "boolean": Type("boolean", None, "`true` or `false`"),
    "enum": Type("string", None, "one value of the vocabulary"),
    "ids": Type("string", "^[a-z0-9][a-z0-9-]*(;[a-z0-9][a-z0-9-]*)*$", "identifiers separated by `;`"),
    "uuid": Type(
        "string",
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        "UUID, lower-case, e.g. 0b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10",
    ),
    "datetime": Type(
        "datetime",
        None,
        "date and time with its UTC offset, YYYY-MM-DDTHH:MM+HH:MM (without the offset: its Cité's time zone)",
    ),
    "url": Type("string", "^https?://\\S+$", "web address beginning with http:// or https://"),
    "language": Type("string", "^[a-z]{2}$", "ISO 639-1 language code, e.g. fr"),
    "timezone": Type("string", "^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", "IANA time zone name, e.g. Europe/Paris"),
    "dates": Type(
        "string",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}(;[0-9]{4}-[0-9]{2}-[0-9]{2})*$",
        "dates YYYY-MM-DD separated by `;`",
    ),
}
TEXT_TYPES = frozenset({"slug", "id", "text", "url"})


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a key of TYPES
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    description: str = ""
    references: str = ""  # a table's name: the value is one of that table's ids (``ids``: each of them)
    after: str = ""  # another date column of the row that this one may not precede
    attr: str = ""  # the model field storing it, when not named like the column
    # A value kept in the model's JSON field ``attr``: its key there — a language for a text per
    # language (``fr``), or ``family/code`` for a count of a tally (``age_band/18_25``).
    key: str = ""
    update: bool = True  # False: written when the row is created, never changed by a re-import

    @property
    def model_field(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    model: type
    primary_key: tuple[str, ...] = ()
    description: str = ""
    network: bool = False  # rows of the network's own life: imported only by who imports for the network

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def foreign_keys(self) -> tuple[tuple[str, str, str], ...]:
        """(field, table, field): every referenced table is keyed on its ``id``."""
        return tuple((f.name, f.references, "id") for f in self.fields if f.references)


def enum(name, choices, required=False, **kw) -> Field:
    return Field(name, "enum", required, tuple(choices.values), **kw)


LATITUDE = {"minimum": -90, "maximum": 90}
LONGITUDE = {"minimum": -180, "maximum": 180}
COUNT = {"minimum": 0}
YEAR = {"minimum": 1990, "maximum": 2100}


def cite(**kw) -> Field:
    return Field("cite", "slug", True, max_length=64, references="cites", **kw)


def site(**kw) -> Field:
    return Field(
        "site", "slug", max_length=64, references="sites", description="one of the Cité's sites", **kw
    )


def uid(type_: str = "id", **kw) -> Field:
    return Field("id", type_, True, max_length=64, attr="uid", **kw)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def per_language(name: str, max_length: int, description: str) -> tuple[Field, ...]:
    """One text column per language CDM offers (``title_fr``, ``title_nl``…), stored together."""
    return tuple(
        Field(f"{name}_{code}", "text", max_length=max_length, attr=name, key=code, description=description)
        for code in languages()
    )


def tally_fields() -> tuple[Field, ...]:
    """One count per category of the attendance's tally (``age_band_18_25``, ``gender_female``…): the
    families and codes the staff page's tally takes (``programme.services.TALLY``)."""
    return tuple(
        Field(
            f"{family}_{code}",
            "integer",
            minimum=0,
            maximum=100_000,
            attr="tally",
            key=f"{family}/{code}",
            description=f"participants whose {family.replace('_', ' ')} is `{code}`",
        )
        for family, codes in TALLY.items()
        for code in codes
    )


def _programme_tables() -> tuple["Table", ...]:
    return (
        Table(
            "programme_events",
            (
                uid("uuid"),
                cite(),
                enum("format", Format, True, description="the first three are the workshops of `activities`"),
                enum("role", Role, True, description="co-organised counts as organised in the figures"),
                *per_language("title", 200, "at least one language"),
                *per_language("description", 5000, ""),
                enum("theme", Theme, True),
                Field("target_public", "text"),
                Field("starts_at", "datetime", True, description="the first session's start"),
                Field("duration_minutes", "integer", True, minimum=1, maximum=100_000),
                Field(
                    "rrule",
                    "text",
                    max_length=300,
                    description="iCalendar RRULE of a series, e.g. FREQ=WEEKLY;BYDAY=TU; empty: one session",
                ),
                Field("exdates", "dates", description="the series' dates without a session"),
                site(),
                Field("venue_name", "text", description="an outside venue"),
                Field("venue_address", "text", max_length=300),
                Field("online_url", "url"),
                Field("partners", "ids", references="partners", description="co-organisers"),
                Field(
                    "capacity", "integer", minimum=0, maximum=100_000, description="empty: no registration"
                ),
                Field("language", "language"),
                Field("accessibility", "text", max_length=500),
                Field("featured", "boolean"),
                Field("published", "boolean"),
            ),
            Event,
            primary_key=("id",),
            description="A Cité's programme: the workshops and events it plans, once or as a series",
        ),
        Table(
            "sessions",
            (
                uid("uuid"),
                cite(),
                Field("event", "uuid", True, max_length=64, references="programme_events"),
                Field(
                    "occurrence", "datetime", True, description="the occurrence of the series it stands for"
                ),
                Field("starts_at", "datetime", True),
                Field("ends_at", "datetime", True, after="starts_at", description="after its start"),
                enum("status", SessionStatus),
                Field("detached", "boolean", description="changed on its own, apart from its series"),
                site(),
                Field(
                    "capacity", "integer", minimum=0, maximum=100_000, description="empty: no registration"
                ),
                Field(
                    "registered",
                    "integer",
                    minimum=0,
                    maximum=100_000,
                    attr="seats_taken",
                    update=False,
                    description="seats taken (a count: nobody is named); kept by CDM once the session exists",
                ),
                Field(
                    "activity",
                    "id",
                    max_length=64,
                    references="activities",
                    description="the activity that counts it, once attendance is entered",
                ),
            ),
            Session,
            primary_key=("id",),
            description="The sessions of the programme: when, where, seats, and the activity counting each",
        ),
        Table(
            "attendances",
            (
                Field(
                    "session",
                    "uuid",
                    True,
                    max_length=64,
                    references="sessions",
                    description="a session whose attendance was entered (its `activity` counts the participants)",
                ),
                *tally_fields(),
            ),
            Attendance,
            primary_key=("session",),
            description="Who came to a session, by age band, gender and status (counts only)",
        ),
    )


TABLES: tuple[Table, ...] = (
    Table(
        "cites",
        (
            Field("id", "slug", True, max_length=64, attr="slug"),
            Field("name", "text", True),
            Field("country", "country", True),
            Field("region", "text", max_length=100),
            Field("city", "text", True, max_length=100),
            Field("latitude", "number", **LATITUDE),
            Field("longitude", "number", **LONGITUDE),
            Field("languages", "languages"),
            enum("status", LabelStatus, True, description="label: in preparation, labelled…"),
            Field("member_since", "date"),
            Field("labelled_on", "date"),
            Field("opened_on", "date", description="opened to the public: a visit may not precede it"),
            Field(
                "timezone",
                "timezone",
                max_length=64,
                description="its sessions' local time; empty: Europe/Paris; a file without it keeps the stored zone",
            ),
        ),
        Cite,
        primary_key=("id",),
        description="Member Cités des métiers",
    ),
    Table(
        "sites",
        (
            Field("id", "slug", True, max_length=64, attr="slug"),
            cite(),
            Field("name", "text", True),
            enum("kind", SiteKind, True),
            Field("city", "text", max_length=100),
            Field("latitude", "number", **LATITUDE),
            Field("longitude", "number", **LONGITUDE),
            Field("opened_on", "date"),
            Field("closed_on", "date", after="opened_on"),
        ),
        Site,
        primary_key=("id",),
        description="Where a Cité delivers its offer",
    ),
    Table(
        "partners",
        (
            Field("id", "slug", True, max_length=64, attr="slug"),
            Field("name", "text", True),
            enum("kind", PartnerKind, True),
            Field("country", "country"),
        ),
        Partner,
        primary_key=("id",),
        description="Partner organisations",
    ),
    Table(
        "partnerships",
        (
            cite(),
            Field("partner", "slug", True, max_length=64, references="partners"),
            Field("since", "date"),
            Field("until", "date", after="since"),
        ),
        Partnership,
        primary_key=("cite", "partner"),
        description="Which partner works with which Cité",
    ),
    Table(
        "contributions",
        (
            cite(),
            Field(
                "partner",
                "slug",
                True,
                max_length=64,
                references="partners",
                description="a partner of the Cité (partnerships.csv)",
            ),
            Field("year", "integer", True, **YEAR),
            enum("type", ContributionType, True),
            Field("amount", "number", minimum=0, maximum=999_999_999_999),
            Field("unit", "text", max_length=20, description="e.g. fte, hours, EUR, CHF"),
            Field("description", "text", max_length=500),
        ),
        Contribution,
        description="What a partner brings to a Cité in a year (a Cité's year is replaced whole)",
    ),
    Table(
        "visits",
        (
            Field(
                "id",
                "id",
                True,
                max_length=64,
                attr="uid",
                description="a UUID is kept; any other text is stored as a UUID derived from it",
            ),
            cite(),
            site(),
            Field("date", "date", True, description="from the Cité's opening to today"),
            Field("time", "time"),
            enum("channel", Channel, True),
            enum("theme", Theme, True),
            enum("outcome", Outcome, True),
            enum("age_band", AgeBand, True),
            enum("gender", Gender, True),
            enum("status", Status, True),
            Field("first_visit", "boolean"),
        ),
        Visit,
        primary_key=("id",),
        description="One row per person welcomed, anonymous by design",
    ),
    Table(
        "interviews",
        (
            Field(
                "visit",
                "id",
                True,
                max_length=64,
                references="visits",
                description="a visit whose outcome is `interview`",
            ),
            Field("partner", "slug", max_length=64, references="partners"),
            Field("duration_minutes", "integer", minimum=1, maximum=1440),
        ),
        Interview,
        primary_key=("visit",),
        description="Details of the visits whose outcome is an interview",
    ),
    Table(
        "activities",
        (
            Field("id", "id", True, max_length=64, attr="uid"),
            cite(),
            site(),
            enum("kind", ActivityKind, True),
            enum("role", ActivityRole, True),
            Field("title", "text", True),
            enum("theme", Theme),
            Field("date", "date", True),
            Field("duration_minutes", "integer", minimum=1, maximum=100_000),
            Field("participants", "integer", True, minimum=0, maximum=10_000_000),
            Field("partners", "ids", references="partners", description="co-organisers"),
        ),
        Activity,
        primary_key=("id",),
        description="Collective activities: workshops and events",
    ),
    Table(
        "equipment",
        (
            cite(),
            Field("year", "integer", True, **YEAR),
            Field("paper_references", "integer", **COUNT),
            Field("paper_copies", "integer", **COUNT),
            Field("computer_stations", "integer", **COUNT),
            Field("tablets", "integer", **COUNT),
            Field("vr_headsets", "integer", **COUNT),
        ),
        Equipment,
        primary_key=("cite", "year"),
        description="A Cité's resources at the end of a year",
    ),
    Table(
        "milestones",
        (
            uid(),
            cite(),
            enum("kind", MilestoneKind, True),
            Field("date", "date", True),
            enum("precision", Precision, description="`month`: the day is not known"),
            Field(
                "text",
                "text",
                max_length=2000,
                description="the report's sentence; empty: written from kind and date",
            ),
            Field("renewal_due_on", "date", after="date", description="for a label: its next renewal"),
            Field("public", "boolean", description="shown on the Cité's public page (empty: true)"),
        ),
        Milestone,
        primary_key=("id",),
        description="Members' milestones: joined, labelled, opened, inaugurated, moved, closed",
    ),
    *_programme_tables(),
    Table(
        "representation_events",
        (
            uid(),
            Field("title", "text", True),
            enum("role", EventRole, True),
            Field("organiser", "text"),
            Field("place", "text"),
            Field("country", "country"),
            Field("online", "boolean"),
            Field("starts_on", "date", True),
            Field("ends_on", "date", after="starts_on"),
            Field("cites_present", "ids", references="cites", description="the Cités present"),
            Field("stand", "boolean", description="a stand held by the network"),
            Field("workshops", "integer", minimum=0, maximum=1000, description="workshops given"),
            Field("round_tables", "integer", minimum=0, maximum=1000, description="round tables led"),
            Field("description", "text", max_length=5000),
            Field("url", "url"),
        ),
        RepresentationEvent,
        primary_key=("id",),
        description="Representation: events the network attended, co-organised or contributed to",
        network=True,
    ),
    Table(
        "delegations",
        (
            uid(),
            Field("date", "date", True),
            Field("end_date", "date", after="date"),
            Field("organisation", "text", True, max_length=300),
            Field("country", "country"),
            Field("online", "boolean"),
            Field("description", "text", max_length=5000),
        ),
        Delegation,
        primary_key=("id",),
        description="Representation: delegations received by the network",
        network=True,
    ),
    Table(
        "interventions",
        (
            uid(),
            Field("date", "date", True),
            Field("place", "text"),
            Field("country", "country"),
            Field("online", "boolean"),
            Field("theme", "text", True, max_length=300),
            Field("organiser", "text", max_length=300),
            Field("audience", "text", max_length=300),
        ),
        Intervention,
        primary_key=("id",),
        description="Representation: the network's talks and contributions elsewhere",
        network=True,
    ),
    Table(
        "memberships",
        (
            uid(),
            Field("name", "text", True),
            Field("acronym", "text", max_length=30),
            Field("since", "date"),
            Field("until", "date", after="since"),
            Field("description", "text", max_length=5000),
            Field("url", "url"),
        ),
        NetworkMembership,
        primary_key=("id",),
        description="Representation: the network's memberships of European networks (LLLP…)",
        network=True,
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The table ``name`` as the schema describes it now."""
    return next(t for t in TABLES if t.name == name)


def field_schema(f: Field) -> dict:
    """The Frictionless description of one column."""
    kind = TYPES[f.type]
    spec: dict = {"name": f.name, "type": kind.frictionless}
    spec["description"] = f"{kind.doc}; {f.description}" if f.description else kind.doc
    constraints: dict = {}
    if f.required:
        constraints["required"] = True
    if f.choices:
        constraints["enum"] = list(f.choices)
    if kind.pattern:
        constraints["pattern"] = kind.pattern
    if f.type in TEXT_TYPES:
        constraints["maxLength"] = f.max_length
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if f.type == "date":
        spec["format"] = "%Y-%m-%d"
    if f.type == "datetime":
        spec["format"] = "%Y-%m-%dT%H:%M%z"
    if f.type == "boolean":
        spec["trueValues"], spec["falseValues"] = ["true"], ["false"]
    if constraints:
        spec["constraints"] = constraints
    return spec


def table_schema(t: Table, present: list[str] | None = None) -> dict:
    """The Frictionless Table Schema of one table (foreign keys only to the tables ``present``).

    A reference from a list column (``ids``) is not a Frictionless foreign key (which compares
    whole cells): the import checks each of its ids."""
    schema: dict = {"fields": [field_schema(f) for f in t.fields], "missingValues": [""]}
    if t.primary_key:
        schema["primaryKey"] = list(t.primary_key)
    foreign_keys = [
        {"fields": name, "reference": {"resource": target, "fields": key}}
        for name, target, key in t.foreign_keys
        if t.field(name).type != "ids" and (present is None or target in present)
    ]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def datapackage(names: list[str], *, title: str) -> dict:
    """``datapackage.json`` for the tables ``names`` (foreign keys only to tables present)."""
    resources = [
        {
            "name": name,
            "path": table(name).filename,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": table(name).description,
            "schema": table_schema(table(name), names),
        }
        for name in names
    ]
    return {
        "name": "cdm-activity",
        "title": title,
        "profile": "tabular-data-package",
        "version": "1.0.0",
        "resources": resources,
    }


def _constraints(f: Field) -> str:
    parts = []
    if f.choices:
        parts.append(", ".join(f"`{c}`" for c in f.choices))
    if f.type in TEXT_TYPES:
        parts.append(f"at most {f.max_length} characters")
    if f.minimum is not None:
        parts.append(f"≥ {f.minimum:,}".replace(",", " "))
    if f.maximum is not None:
        parts.append(f"≤ {f.maximum:,}".replace(",", " "))
    if f.references:
        parts.append(f"→ `{f.references}.id`" + (" (each)" if f.type == "ids" else ""))
    if f.after:
        parts.append(f"not before `{f.after}`")
    return "; ".join(parts)


def describe() -> str:
    """The package's documentation in Markdown (``docs/data-package.md``), from the schema alone."""
    lines = [
        "# The network activity data package",
        "",
        "<!-- Generated from src/cdm/exchange/schema.py by `cdm datapackage --docs docs/data-package.md`;",
        "     tests/test_schema_driven.py fails when it is out of date. Do not edit by hand. -->",
        "",
        "A package is a folder or a .zip of UTF-8 CSV files (comma-separated, one header line), one",
        "per table, with a `datapackage.json` (Frictionless Data Package) beside them; the .xlsx",
        "template holds the same tables as sheets. `cites.csv` is required; every other table is",
        "optional. An empty cell is a missing value. `cdm import` checks every rule below and writes",
        "nothing if one row breaks one; importing the same package twice changes nothing.",
        "",
        "| table | description | key |",
        "|---|---|---|",
    ]
    for t in TABLES:
        key = ", ".join(f"`{k}`" for k in t.primary_key) or "—"
        lines.append(f"| [`{t.filename}`](#{t.name}) | {t.description} | {key} |")
    lines += ["", "## Types", "", "| type | a cell holds |", "|---|---|"]
    lines += [f"| {name} | {kind.doc} |" for name, kind in TYPES.items()]
    for t in TABLES:
        lines += ["", f"## {t.name}", "", f"`{t.filename}` — {t.description}."]
        if t.primary_key:
            lines.append(f"One row per {', '.join(f'`{k}`' for k in t.primary_key)}.")
        lines += ["", "| column | required | type | constraints | description |", "|---|---|---|---|---|"]
        for f in t.fields:
            required = "yes" if f.required else ""
            lines.append(f"| `{f.name}` | {required} | {f.type} | {_constraints(f)} | {f.description} |")
    lines += [
        "",
        "## Rules across tables",
        "",
        "- A row names only Cités the importer is in charge of; a Cité new to the network only by",
        "  who imports for the whole network.",
        "- An id that exists in another Cité is refused: an import never changes a row's Cité.",
        "- A `site` is one of the row's Cité's sites; an interview's visit has the outcome `interview`;",
        "  a contribution's partner has a partnership with the Cité.",
        "- The network's own records (`"
        + "`, `".join(t.name for t in TABLES if t.network)
        + "`) are imported only by who",
        "  imports for the whole network; a Cité's export leaves them empty.",
        "- A session's event, site and activity are its Cité's; one session per occurrence of an event,",
        "  one session per activity; `registered` is written when a session is created, then kept by",
        "  CDM's registrations. A programme event has a title in one language at least.",
        "- A programme event brought without any of its sessions gets them as the planning page makes",
        "  them: one per occurrence of its `rrule` (none: one session at `starts_at`), `exdates` left",
        "  out, in its Cité's time zone; a session moved or cancelled on its own is kept, one no longer",
        "  in the series is dropped (cancelled once registered or counted). When the package brings",
        "  sessions for an event, they are its sessions as they are. Importing again adds none.",
        "- An attendance is of a session of the row's Cités that is not cancelled and that an activity",
        "  counts (its `activity`); its count is that activity's `participants`. Each family of its",
        "  tally (`age_band_…`, `gender_…`, `status_…`) adds up to that count at most, the rest being",
        "  `not_stated`, as the staff's attendance page completes it; a family whose cells are all",
        "  empty was not asked. A session without a row in `attendances.csv` keeps its stored tally.",
        "- A text per language (`title_fr`, `title_en`…) is one column per language CDM offers.",
        "- The export of a year holds its milestones, its sessions with their events, its representation",
        "  records and the memberships active during it.",
        "- Free text that a spreadsheet would run as a formula (beginning with `=`, `+`, `-`, `@`) is",
        "  exported with a leading `'`, which the import takes off.",
        "",
        "## Why the tally is a table of its own",
        "",
        "An attendance's tally is `attendances.csv`, one row per session keyed by `session`, one",
        "column per category, rather than columns of `sessions.csv` or a JSON cell:",
        "",
        "- it is a session's detail that exists only once attendance is entered, as an interview is",
        "  a visit's (`interviews.csv`, keyed by `visit`): `sessions.csv` stays as it was, without",
        f"  {len(tally_fields())} columns empty for every planned session;",
        "- one integer column per category is what the standard's other counts are: each cell is",
        "  checked by `frictionless validate` (a whole number, ≥ 0), fills in a spreadsheet, and an",
        "  unknown category is an unknown column, refused by name;",
        "- the count itself is not repeated: it is the `participants` of the session's activity,",
        "  the one figure the report counts.",
        "",
        "## Changes since 2024",
        "",
        "The 2024 package (`cites`, `sites`, `partners`, `partnerships`, `contributions`, `visits`,",
        "`interviews`, `activities`, `equipment`) is read as it was: every table and column added",
        "since is optional, and a column a file leaves out keeps what is stored.",
        "",
        "- `cites.csv`: `timezone`, the local time of its sessions.",
        "- `milestones.csv` and the network's representation records (`"
        + "`, `".join(t.name for t in TABLES if t.network)
        + "`).",
        "- `programme_events.csv` and `sessions.csv`: the programme, a session naming the activity that",
        "  counts it; an event without sessions in the package gets its series' sessions.",
        "- `attendances.csv`: the tally of a session's attendance by age band, gender and status.",
        "",
    ]
    return "\n".join(lines)
