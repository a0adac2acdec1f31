"""What a Cité writes in several languages: a JSON object ``{"fr": "…", "nl": "…"}`` (like a pôle's labels).

Reading picks the reader's language, then the Cité's own languages, then French, then any, and says
which language it gave, so that a page can mark it with ``lang``.
"""

from dataclasses import dataclass

from django.utils.translation import get_language

FALLBACK = "fr"


@dataclass(frozen=True)
class Text:
    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def pick(values: dict | None, language: str | None = None, cite_languages=()) -> Text:
    values = {k: v for k, v in (values or {}).items() if isinstance(v, str) and v.strip()}
    asked = (language or get_language() or FALLBACK)[:2]
    for code in dict.fromkeys([asked, *(cite_languages or ()), FALLBACK]):
        if code in values:
            return Text(values[code], code)
    for code, text in values.items():
        return Text(text, code)
    return Text("", asked)
