"""Reading a data package from a folder or a .zip, streaming, UTF-8 only, within bounds.

Uploads come from the Internet: every read is bounded before any heavy work. The limits below
are checked on what a file declares (its size on disk, a zip's declared sizes) and again while
streaming (a zip member that inflates beyond what it declared, a line without end).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_UPLOAD = 200 * MB  # a package or a spreadsheet as uploaded
MAX_DECOMPRESSED = 2048 * MB  # all the members of a zip (or an .xlsx) together, inflated
MAX_RATIO = 100  # inflated : compressed, per zip member (a CSV compresses about 5-10:1)
RATIO_FROM = 1 * MB  # the ratio is checked on members larger than this (tiny files compress oddly)
MAX_LINE = 64 * 1024  # characters of one CSV line
MAX_RECORD = 1 * MB  # characters of one CSV record (quoted fields may span lines)
MAX_ROWS = 2_000_000  # rows of one sheet of a spreadsheet
MAX_COLUMNS = 100  # columns of one sheet of a spreadsheet


class PackageNotFound(Exception):
    pass


class PackageTooLarge(ValueError):
    """A bound was crossed: ``file`` names the file, the message says which bound, translated."""

    def __init__(self, file: str, reason: str):
        super().__init__(reason)
        self.file = file
        self.reason = reason


def _size(n: int) -> str:
    return f"{n / MB:,.0f} Mo" if n >= MB else f"{n / 1024:,.0f} Kio"


def check_upload_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD:
        raise PackageTooLarge(
            name,
            _("le fichier pèse %(size)s, au-delà de la limite de %(max)s")
            % {"size": _size(size), "max": _size(MAX_UPLOAD)},
        )


def check_zip(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip whose declared content is too large or compressed beyond reason."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageTooLarge(
                name,
                _("%(member)s se décompresse %(ratio)d fois plus grand : au-delà de %(max)d fois")
                % {
                    "member": info.filename,
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "max": MAX_RATIO,
                },
            )
    if total > MAX_DECOMPRESSED:
        raise PackageTooLarge(
            name,
            _("l'archive décompressée pèserait %(size)s, au-delà de la limite de %(max)s")
            % {"size": _size(total), "max": _size(MAX_DECOMPRESSED)},
        )


class BoundedReader(io.RawIOBase):
    """A zip member's stream that stops when it gives more than ``limit`` bytes."""

    def __init__(self, raw, *, limit: int, name: str):
        self.raw, self.limit, self.name, self.given = raw, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.given += len(data)
        if self.given > self.limit:
            raise PackageTooLarge(
                self.name,
                _("le fichier se décompresse au-delà de la taille qu'il déclare ou de %(max)s")
                % {"max": _size(self.limit)},
            )
        buffer[: len(data)] = data
        return len(data)


def bounded_lines(f: io.TextIOBase, name: str, budget: list[int]) -> Iterator[str]:
    """The lines of ``f``, each read with a bound: a line longer than ``MAX_LINE`` is an error, and
    never held whole in memory. ``budget[0]`` counts the characters since the last complete record
    (the caller resets it): a record longer than ``MAX_RECORD`` is an error too."""
    while True:
        line = f.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise PackageTooLarge(name, _("une ligne dépasse %(n)d caractères") % {"n": MAX_LINE})
        budget[0] += len(line)
        if budget[0] > MAX_RECORD:
            raise PackageTooLarge(name, _("un enregistrement dépasse %(n)d caractères") % {"n": MAX_RECORD})
        yield line


class Package:
    def __init__(self, path: str | Path, *, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        if not self.path.exists():
            raise PackageNotFound(str(self.path))
        self._zip = None
        self._prefix = ""
        if self.path.is_file():
            check_upload_size(self.name, self.path.stat().st_size)
            if not zipfile.is_zipfile(self.path):
                raise PackageNotFound(str(self.path))
            self._zip = zipfile.ZipFile(self.path)
            try:
                check_zip(self._zip, self.name)
            except PackageTooLarge:
                self._zip.close()
                raise
            names = self._zip.namelist()
            # A zip of the folder: the files may sit in one top-level directory.
            marker = next((n for n in names if n.endswith("cites.csv")), None)
            if marker:
                self._prefix = marker[: -len("cites.csv")]

    def close(self):
        if self._zip is not None:
            self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def has(self, filename: str) -> bool:
        if self._zip is not None:
            return self._prefix + filename in self._zip.namelist()
        return (self.path / filename).is_file()

    @contextmanager
    def open(self, filename: str) -> Iterator[io.TextIOBase]:
        # utf-8-sig: still UTF-8 only, but a leading byte-order mark (Excel) is accepted.
        if self._zip is not None:
            member = self._prefix + filename
            declared = self._zip.getinfo(member).file_size
            with self._zip.open(member) as raw:
                bounded = io.BufferedReader(
                    BoundedReader(raw, limit=min(declared, MAX_DECOMPRESSED), name=filename)
                )
                yield io.TextIOWrapper(bounded, encoding="utf-8-sig", errors="strict", newline="")
        else:
            with open(self.path / filename, encoding="utf-8-sig", errors="strict", newline="") as f:
                yield f

    def rows(self, filename: str):
        """Yield (line number, row) for each record; the header comes first with line 1."""
        with self.open(filename) as f:
            budget = [0]
            reader = csv.reader(bounded_lines(f, filename, budget), strict=True)
            for row in reader:
                budget[0] = 0
                yield reader.line_num, row
