"""The network activity data package (version 1), as data.

One description of every table serves the import's validation, the export, the
``datapackage.json`` (Frictionless Table Schema) and the spreadsheet template.
Vocabularies come from ``cdm.network.vocabularies``.
"""

from dataclasses import dataclass, field

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

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # slug, text, country, languages, number, integer, date, time, boolean, enum, ids, id
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, table, field)
    description: str = ""
    columns: dict = field(default_factory=dict, compare=False)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def enum(name, choices, required=False, **kw) -> Field:
    return Field(name, "enum", required, tuple(choices.values), **kw)


LATITUDE = {"minimum": -90, "maximum": 90}
LONGITUDE = {"minimum": -180, "maximum": 180}
COUNT = {"minimum": 0}

TABLES: tuple[Table, ...] = (
    Table(
        "cites",
        (
            Field("id", "slug", True, max_length=64),
            Field("name", "text", True),
            Field("country", "country", True),
            Field("region", "text", max_length=100),
            Field("city", "text", True, max_length=100),
            Field("latitude", "number", **LATITUDE),
            Field("longitude", "number", **LONGITUDE),
            Field("languages", "languages"),
            enum("status", LabelStatus, True),
            Field("member_since", "date"),
            Field("labelled_on", "date"),
            Field("opened_on", "date"),
        ),
        primary_key=("id",),
        description="Member Cités des métiers",
    ),
    Table(
        "sites",
        (
            Field("id", "slug", True, max_length=64),
            Field("cite", "slug", True, max_length=64),
            Field("name", "text", True),
            enum("kind", SiteKind, True),
            Field("city", "text", max_length=100),
            Field("latitude", "number", **LATITUDE),
            Field("longitude", "number", **LONGITUDE),
            Field("opened_on", "date"),
            Field("closed_on", "date"),
        ),
        primary_key=("id",),
        foreign_keys=(("cite", "cites", "id"),),
        description="Where a Cité delivers its offer",
    ),
    Table(
        "partners",
        (
            Field("id", "slug", True, max_length=64),
            Field("name", "text", True),
            enum("kind", PartnerKind, True),
            Field("country", "country"),
        ),
        primary_key=("id",),
        description="Partner organisations",
    ),
    Table(
        "partnerships",
        (
            Field("cite", "slug", True, max_length=64),
            Field("partner", "slug", True, max_length=64),
            Field("since", "date"),
            Field("until", "date"),
        ),
        primary_key=("cite", "partner"),
        foreign_keys=(("cite", "cites", "id"), ("partner", "partners", "id")),
        description="Which partner works with which Cité",
    ),
    Table(
        "contributions",
        (
            Field("cite", "slug", True, max_length=64),
            Field("partner", "slug", True, max_length=64),
            Field("year", "integer", True, minimum=1990, maximum=2100),
            enum("type", ContributionType, True),
            Field("amount", "number", minimum=0, maximum=999_999_999_999),
            Field("unit", "text", max_length=20),
            Field("description", "text", max_length=500),
        ),
        foreign_keys=(("cite", "cites", "id"), ("partner", "partners", "id")),
        description="What a partner brings to a Cité in a year",
    ),
    Table(
        "visits",
        (
            Field("id", "id", True, max_length=64),
            Field("cite", "slug", True, max_length=64),
            Field("site", "slug", max_length=64),
            Field("date", "date", True),
            Field("time", "time"),
            enum("channel", Channel, True),
            enum("theme", Theme, True),
            enum("outcome", Outcome, True),
            enum("age_band", AgeBand, True),
            enum("gender", Gender, True),
            enum("status", Status, True),
            Field("first_visit", "boolean"),
        ),
        primary_key=("id",),
        foreign_keys=(("cite", "cites", "id"), ("site", "sites", "id")),
        description="One row per person welcomed, anonymous by design",
    ),
    Table(
        "interviews",
        (
            Field("visit", "id", True, max_length=64),
            Field("partner", "slug", max_length=64),
            Field("duration_minutes", "integer", minimum=1, maximum=1440),
        ),
        primary_key=("visit",),
        foreign_keys=(("visit", "visits", "id"), ("partner", "partners", "id")),
        description="Details of the visits whose outcome is an interview",
    ),
    Table(
        "activities",
        (
            Field("id", "id", True, max_length=64),
            Field("cite", "slug", True, max_length=64),
            Field("site", "slug", max_length=64),
            enum("kind", ActivityKind, True),
            enum("role", ActivityRole, True),
            Field("title", "text", True),
            enum("theme", Theme),
            Field("date", "date", True),
            Field("duration_minutes", "integer", minimum=1, maximum=100_000),
            Field("participants", "integer", True, minimum=0, maximum=10_000_000),
            Field("partners", "ids"),
        ),
        primary_key=("id",),
        foreign_keys=(("cite", "cites", "id"), ("site", "sites", "id")),
        description="Collective activities: workshops and events",
    ),
    Table(
        "equipment",
        (
            Field("cite", "slug", True, max_length=64),
            Field("year", "integer", True, minimum=1990, maximum=2100),
            Field("paper_references", "integer", **COUNT),
            Field("paper_copies", "integer", **COUNT),
            Field("computer_stations", "integer", **COUNT),
            Field("tablets", "integer", **COUNT),
            Field("vr_headsets", "integer", **COUNT),
        ),
        primary_key=("cite", "year"),
        foreign_keys=(("cite", "cites", "id"),),
        description="A Cité's resources at the end of a year",
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}

_FRICTIONLESS_TYPES = {
    "slug": "string",
    "id": "string",
    "text": "string",
    "country": "string",
    "languages": "string",
    "enum": "string",
    "ids": "string",
    "number": "number",
    "integer": "integer",
    "date": "date",
    "time": "string",
    "boolean": "boolean",
}


def table_schema(table: Table) -> dict:
    """The Frictionless Table Schema of one table."""
    fields = []
    for f in table.fields:
        spec: dict = {"name": f.name, "type": _FRICTIONLESS_TYPES[f.type]}
        constraints: dict = {}
        if f.required:
            constraints["required"] = True
        if f.choices:
            constraints["enum"] = list(f.choices)
        if f.type == "slug":
            constraints["pattern"] = SLUG_PATTERN
        if f.type == "country":
            constraints["pattern"] = "^[A-Z]{2}$"
        if f.type == "languages":
            constraints["pattern"] = "^[a-z]{2}(;[a-z]{2})*$"
        if f.type == "time":
            constraints["pattern"] = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
        if f.type == "ids":
            constraints["pattern"] = "^[a-z0-9][a-z0-9-]*(;[a-z0-9][a-z0-9-]*)*$"
        if f.type in {"slug", "id", "text"}:
            constraints["maxLength"] = f.max_length
        if f.minimum is not None:
            constraints["minimum"] = f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
        if f.type == "date":
            spec["format"] = "%Y-%m-%d"
        if f.type == "boolean":
            spec["trueValues"], spec["falseValues"] = ["true"], ["false"]
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    schema: dict = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": f, "reference": {"resource": t, "fields": r}} for f, t, r in table.foreign_keys
        ]
    return schema


def datapackage(names: list[str], *, title: str) -> dict:
    """``datapackage.json`` for the tables ``names`` (foreign keys only to tables present)."""
    resources = []
    for name in names:
        table = TABLES_BY_NAME[name]
        schema = table_schema(table)
        if "foreignKeys" in schema:
            schema["foreignKeys"] = [
                fk for fk in schema["foreignKeys"] if fk["reference"]["resource"] in names
            ]
            if not schema["foreignKeys"]:
                del schema["foreignKeys"]
        resources.append(
            {
                "name": name,
                "path": table.filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": table.description,
                "schema": schema,
            }
        )
    return {
        "name": "cdm-activity",
        "title": title,
        "profile": "tabular-data-package",
        "version": "1.0.0",
        "resources": resources,
    }
