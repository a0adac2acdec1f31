"""Uploaded papers (minutes, General Assembly documents, deliverables): private, bounded, checked.

Files live under ``CDM_PRIVATE_DIR`` (default ``<CDM_VAR_DIR>/private``), never under a public URL:
a view asks the one rule before serving one (``views.file_download``). Accepted: PDF, ODT, DOCX
up to 20 MB, recognised by their content, not only by their name.
"""

import os
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 20 * 1024 * 1024
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class PrivateStorage(FileSystemStorage):
    """A file system storage without a URL, whose place is read from the settings when used."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(getattr(settings, "CDM_PRIVATE_DIR", Path(settings.VAR_DIR) / "private"))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


def upload_to(instance, filename: str) -> str:
    """A random name: what the uploader called the file never reaches the disk's paths."""
    suffix = Path(filename).suffix.lower()
    return f"governance/{instance._meta.model_name}/{uuid.uuid4().hex}{suffix}"


def validate_paper(upload) -> None:
    """PDF, ODT or DOCX, at most 20 MB, its content what its name says."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        raise ValidationError(_("Un fichier PDF, ODT ou DOCX est attendu."), code="type")
    if upload.size > MAX_BYTES:
        raise ValidationError(_("Le fichier dépasse 20 Mo."), code="size")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if suffix == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise ValidationError(_("Ce fichier n'est pas un PDF."), code="content")
        return
    if not head.startswith(b"PK\x03\x04"):
        raise ValidationError(_("Ce fichier n'est pas un document ODT ou DOCX."), code="content")
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if suffix == ".odt":
                ok = (
                    "mimetype" in names and archive.read("mimetype").strip() == CONTENT_TYPES[".odt"].encode()
                )
            else:
                ok = "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
    except (zipfile.BadZipFile, KeyError, OSError):
        ok = False
    finally:
        upload.seek(0)
    if not ok:
        raise ValidationError(_("Ce fichier n'est pas un document ODT ou DOCX."), code="content")
