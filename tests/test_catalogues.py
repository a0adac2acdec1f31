"""French is the source; the six other languages of the network are complete.

Every catalogue holds every string of the code (a fresh extraction finds nothing missing), none is
untranslated or fuzzy, and every translation keeps its msgid's placeholders.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).parent.parent
LOCALE = ROOT / "src" / "cdm" / "locale"
LANGUAGES = ["en", "nl", "es", "ca", "pt", "it"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdif]|%[sd]|\{[a-z_0-9]*\}|%\([a-z_]+\)\.\d+f")


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    missing = [
        e.msgid
        for e in catalogue(language)
        if not (e.msgstr or (e.msgstr_plural and all(e.msgstr_plural.values()))) or "fuzzy" in e.flags
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    wrong = []
    for e in catalogue(language):
        if "fuzzy" in e.flags or not e.translated():
            continue  # counted by the test above
        if not e.msgstr_plural:
            if sorted(PLACEHOLDER.findall(e.msgstr)) != sorted(PLACEHOLDER.findall(e.msgid)):
                wrong.append((e.msgid, e.msgstr))
            continue
        # A plural form may leave out the count ("the only Cité" / "the %(n)s Cités"), nothing else.
        singular, plural = set(PLACEHOLDER.findall(e.msgid)), set(PLACEHOLDER.findall(e.msgid_plural))
        for text in e.msgstr_plural.values():
            found = set(PLACEHOLDER.findall(text))
            if "%(" in text and not (singular & plural <= found <= singular | plural):
                wrong.append((e.msgid, text))
    assert wrong == []


def test_the_catalogues_hold_every_string_of_the_code(tmp_path):
    """A fresh extraction (Django's makemessages on a copy of the code) finds no msgid missing."""
    copy = tmp_path / "cdm"
    shutil.copytree(ROOT / "src" / "cdm", copy, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    subprocess.run(
        [str(Path(sys.executable).parent / "cdm"), "makemessages", "-l", "en", "--no-obsolete", "-v0"],
        cwd=copy,
        env={"CDM_DEBUG": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        check=True,
        timeout=300,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    for language in LANGUAGES:
        held = {e.msgid for e in catalogue(language) if not e.obsolete}
        assert fresh - held == set(), f"{language}: strings of the code missing from the catalogue"
