"""Fill empty msgstr of a catalogue from a JSON object {msgid: msgstr}.

    python tools/fill_po.py src/cdm/locale/en/LC_MESSAGES/django.po /tmp/en.json

Existing translations are kept; fuzzy marks are dropped for entries it fills.
Needs polib (pip install polib); a translator's tool, not a runtime dependency.
"""

import json
import sys

import polib


def main(po_path: str, json_path: str) -> None:
    po = polib.pofile(po_path)
    table = json.loads(open(json_path, encoding="utf-8").read())
    filled = 0
    for entry in po:
        if entry.msgid in table and (not entry.msgstr or "fuzzy" in entry.flags):
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
    po.save()
    missing = [e.msgid for e in po if not e.msgstr]
    print(f"{po_path}: filled {filled}, {len(missing)} untranslated")


if __name__ == "__main__":
    main(*sys.argv[1:])
