"""Reading a data package from a folder or a .zip, streaming, UTF-8 only."""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PackageNotFound(Exception):
    pass


class Package:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise PackageNotFound(str(self.path))
        self._zip = None
        self._prefix = ""
        if self.path.is_file():
            if not zipfile.is_zipfile(self.path):
                raise PackageNotFound(str(self.path))
            self._zip = zipfile.ZipFile(self.path)
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
            with self._zip.open(self._prefix + filename) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        else:
            with open(self.path / filename, encoding="utf-8-sig", errors="strict", newline="") as f:
                yield f

    def rows(self, filename: str):
        """Yield (line number, header, row) for each data row; the header comes first with line 1."""
        with self.open(filename) as f:
            reader = csv.reader(f, strict=True)
            for row in reader:
                yield reader.line_num, row
