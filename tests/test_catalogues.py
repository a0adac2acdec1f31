"""French is the source; English is complete; the other languages cover the public pages."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).parent.parent / "src" / "cdm" / "locale"
PUBLIC_TEMPLATES = [
    Path(__file__).parent.parent / "src" / "cdm" / "templates" / "base.html",
    *(Path(__file__).parent.parent / "src" / "cdm" / "templates" / "public").glob("*.html"),
    Path(__file__).parent.parent / "src" / "cdm" / "exchange" / "templates" / "exchange" / "opendata.html",
    Path(__file__).parent.parent / "src" / "cdm" / "desk" / "templates" / "desk" / "now_calling.html",
]


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def public_msgids():
    ids = set()
    for template in PUBLIC_TEMPLATES:
        text = template.read_text()
        ids |= set(re.findall(r'{% translate "([^"]+)"', text))
        ids |= set(re.findall(r"{% translate '([^']+)'", text))
        ids |= {
            re.sub(r"{{ (\w+) }}", r"%(\1)s", m)
            for m in re.findall(r"{% blocktranslate %}(.+?){% endblocktranslate %}", text)
        }
    return ids


def test_english_is_complete():
    po = catalogue("en")
    assert [
        e.msgid for e in po if not (e.msgstr or all(e.msgstr_plural.values())) or "fuzzy" in e.flags
    ] == []


@pytest.mark.parametrize("language", ["nl", "es", "ca", "pt", "it"])
def test_every_public_page_string_is_translated(language):
    po = {e.msgid: e for e in catalogue(language)}
    ids = public_msgids()
    assert len(ids) > 30
    missing = [i for i in ids if i not in po or not po[i].msgstr or "fuzzy" in po[i].flags]
    assert missing == []
