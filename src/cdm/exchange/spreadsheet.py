"""The spreadsheet template (.xlsx) for Cités that count in Excel or LibreOffice, and reading it back.

One sheet per table with the standard's columns, a drop-down list on every vocabulary
column, and a help sheet in the user's language: all of it from the schema (``schema.TABLES``). A filled template is read as a data
package and goes through exactly the same validation and import.
"""

import datetime
import io
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from . import schema
from .package import MAX_COLUMNS, MAX_ROWS, PackageTooLarge, check_upload_size, check_zip
from .schema import Field

TYPE_HELP = {
    "slug": lambda f: _("identifiant : minuscules, chiffres et tirets"),
    "id": lambda f: _("identifiant unique (un UUID est recommandé)"),
    "text": lambda f: _("texte (%(n)d caractères au plus)") % {"n": f.max_length},
    "country": lambda f: _("code de pays ISO 3166-1, par exemple FR, BE"),
    "languages": lambda f: _("codes de langue ISO 639-1 séparés par « ; », par exemple fr;nl"),
    "number": lambda f: _("nombre"),
    "integer": lambda f: _("nombre entier"),
    "date": lambda f: _("date AAAA-MM-JJ"),
    "time": lambda f: _("heure HH:MM"),
    "boolean": lambda f: _("true ou false"),
    "enum": lambda f: _("une valeur de la liste : %(v)s") % {"v": ", ".join(f.choices)},
    "ids": lambda f: _("identifiants séparés par « ; »"),
    "uuid": lambda f: _("identifiant UUID, par exemple 0b5e8f0e-6a7d-4a53-9d1c-2f4e1b9c7a10"),
    "datetime": lambda f: _("date et heure AAAA-MM-JJTHH:MM, avec ou sans décalage horaire (+01:00)"),
    "url": lambda f: _("adresse web commençant par http:// ou https://"),
    "language": lambda f: _("code de langue ISO 639-1, par exemple fr"),
    "dates": lambda f: _("dates AAAA-MM-JJ séparées par « ; »"),
    "timezone": lambda f: _("fuseau horaire IANA, par exemple Europe/Paris, Indian/Reunion"),
}


def field_help(field: Field) -> str:
    text = TYPE_HELP[field.type](field)
    if field.minimum is not None:
        text += " " + _("(au moins %(v)s)") % {"v": field.minimum}
    if field.maximum is not None:
        text += " " + _("(au plus %(v)s)") % {"v": field.maximum}
    if field.references:
        text += " " + _("(un identifiant de %(t)s)") % {"t": schema.table(field.references).filename}
    return text


def template_workbook() -> bytes:
    wb = Workbook()
    help_sheet = wb.active
    help_sheet.title = _("Aide")[:31]
    help_sheet.append([_("Modèle de saisie de l'activité d'une Cité des métiers")])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.append(
        [
            _(
                "Une feuille par table. Ne renommez ni les feuilles ni les colonnes ; une cellule vide est une "
                "valeur manquante. Les listes déroulantes donnent les valeurs permises."
            )
        ]
    )
    help_sheet.append(
        [
            _(
                "Anonymat : aucune donnée ne doit permettre d'identifier une personne (ni nom, ni contact, "
                "ni date de naissance)."
            )
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("Feuille"), _("Colonne"), _("Obligatoire"), _("Contenu")])
    for cell in help_sheet[5]:
        cell.font = Font(bold=True)
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_column: dict[tuple, str] = {}
    header_fill = PatternFill("solid", fgColor="0B3D6E")
    for table in schema.TABLES:
        sheet = wb.create_sheet(table.name)
        sheet.append(table.field_names)
        for i, field in enumerate(table.fields, start=1):
            cell = sheet.cell(row=1, column=i)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(i)].width = max(14, len(field.name) + 4)
            help_sheet.append(
                [table.name, field.name, _("oui") if field.required else _("non"), field_help(field)]
            )
            if field.choices:
                if field.choices not in list_column:
                    col = get_column_letter(len(list_column) + 1)
                    list_column[field.choices] = col
                    for r, value in enumerate(field.choices, start=1):
                        lists[f"{col}{r}"] = value
                col = list_column[field.choices]
                validation = DataValidation(
                    type="list",
                    formula1=f"=lists!${col}$1:${col}${len(field.choices)}",
                    allow_blank=not field.required,
                    showErrorMessage=True,
                    errorTitle=field.name,
                    error=field_help(field),
                )
                sheet.add_data_validation(validation)
                letter = get_column_letter(i)
                validation.add(f"{letter}2:{letter}100000")
            if field.type == "boolean":
                validation = DataValidation(type="list", formula1='"true,false"', allow_blank=True)
                sheet.add_data_validation(validation)
                validation.add(f"{get_column_letter(i)}2:{get_column_letter(i)}100000")
        sheet.freeze_panes = "A2"
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 20
    help_sheet.column_dimensions["C"].width = 12
    help_sheet.column_dimensions["D"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class SpreadsheetPackage:
    """A filled template, read like a package: each sheet named after a table is that table's CSV.

    Bounded like a package: the file's size, the zip inside every .xlsx (declared sizes and
    ratio), and each sheet's declared dimensions, refused before a row is read; a sheet that
    declares none is read within the same bounds."""

    def __init__(self, path: str | Path, *, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        check_upload_size(self.name, self.path.stat().st_size)
        try:
            with zipfile.ZipFile(self.path) as archive:
                check_zip(archive, self.name)
        except zipfile.BadZipFile as exc:
            raise ValueError(str(exc)) from exc
        try:
            self.workbook = load_workbook(self.path, read_only=True, data_only=True)
        except InvalidFileException as exc:
            raise ValueError(str(exc)) from exc

    def close(self):
        self.workbook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _sheet(self, filename: str):
        """The sheet of a table, its declared dimensions checked."""
        sheet = self.workbook[filename.removesuffix(".csv")]
        rows, columns = sheet.max_row, sheet.max_column
        if (rows or 0) > MAX_ROWS or (columns or 0) > MAX_COLUMNS:
            raise PackageTooLarge(
                filename,
                _(
                    "la feuille déclare %(rows)s lignes et %(columns)s colonnes : "
                    "au plus %(max_rows)s lignes et %(max_columns)s colonnes"
                )
                % {"rows": rows, "columns": columns, "max_rows": MAX_ROWS, "max_columns": MAX_COLUMNS},
            )
        return sheet

    def has(self, filename: str) -> bool:
        name = filename.removesuffix(".csv")
        if name not in self.workbook.sheetnames:
            return False
        # An untouched sheet (header only) counts as absent, except cites, which is always required.
        return name == "cites" or (self._sheet(filename).max_row or 2) > 1

    def rows(self, filename: str):
        sheet = self._sheet(filename)
        # An unsized sheet (no dimension declared) is read within the bounds all the same.
        limits = {"max_col": MAX_COLUMNS} if sheet.max_row is None else {}
        for line, row in enumerate(sheet.iter_rows(values_only=True, **limits), start=1):
            if line > MAX_ROWS:
                raise PackageTooLarge(filename, _("la feuille dépasse %(n)s lignes") % {"n": MAX_ROWS})
            cells = [_text(v) for v in row]
            while cells and cells[-1] == "" and line > 1:
                cells.pop()
            if line == 1:
                while cells and cells[-1] == "":
                    cells.pop()
                width = len(cells)
            elif len(cells) < width:
                cells += [""] * (width - len(cells))
            yield line, cells
