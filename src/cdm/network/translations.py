"""What a Cité writes in several languages: one JSON object per field, ``{"fr": "…", "nl": "…"}``.

The back office gives one input per language of the network (never raw JSON); reading picks the
reader's language, then the Cité's own languages, then French, then any (``pick``), and says which
language it gave so that the page can mark it (``lang="…"``).

Why not django-modeltranslation or django-parler: the pôles' labels were already such objects, the
fallback order is the Cité's (not one order for the whole site, as both libraries have), and a
language added to the network needs no migration.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import get_language

FALLBACK = "fr"


@dataclass(frozen=True)
class Text:
    """A text and the language it is in (which may not be the one asked for)."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def fallback_order(language: str | None, cite_languages=()) -> list[str]:
    """The asked language, then the Cité's own languages, then French: each once."""
    order = [(language or get_language() or FALLBACK)[:2], *cite_languages, FALLBACK]
    return list(dict.fromkeys(code for code in order if code))


def pick(values: dict | None, language: str | None = None, cite_languages=()) -> Text:
    """The text of ``values`` for a reader of ``language`` in a Cité speaking ``cite_languages``."""
    values = {k: v for k, v in (values or {}).items() if isinstance(v, str) and v.strip()}
    for code in fallback_order(language, cite_languages):
        if code in values:
            return Text(values[code], code)
    for code, text in values.items():
        return Text(text, code)
    return Text("", (language or get_language() or FALLBACK)[:2])


class TranslationsWidget(forms.MultiWidget):
    """One input per language of the network, each with its own label and ``lang``."""

    def __init__(self, *, textarea: bool = False, attrs=None):
        self.languages = list(settings.LANGUAGES)
        widgets = {
            code: forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
            for code, _name in self.languages
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        value = value if isinstance(value, dict) else {}
        return [value.get(code, "") for code, _name in self.languages]

    def render(self, name, value, attrs=None, renderer=None):
        if not isinstance(value, list):
            value = self.decompress(value)
        attrs = self.build_attrs(self.attrs, attrs)
        attrs.pop("required", None)
        base_id = attrs.get("id") or f"id_{name}"
        rows = []
        for (code, language_name), (suffix, widget), text in zip(
            self.languages, zip(self.widgets_names, self.widgets, strict=True), value, strict=True
        ):
            sub_id = f"{base_id}{suffix}"
            rows.append(
                (
                    sub_id,
                    code,
                    language_name,
                    widget.render(name + suffix, text, {**attrs, "id": sub_id, "lang": code}, renderer),
                )
            )
        return format_html(
            '<div class="translations">{}</div>',
            format_html_join("", '<p class="translation"><label for="{}" lang="{}">{}</label> {}</p>', rows),
        )


class TranslationsFormField(forms.MultiValueField):
    """A dict language → text from one input per language; empty inputs are left out."""

    def __init__(self, *, textarea: bool = False, max_length: int | None = None, **kwargs):
        self.languages = [code for code, _name in settings.LANGUAGES]
        fields = [forms.CharField(required=False, max_length=max_length) for _code in self.languages]
        super().__init__(
            fields, require_all_fields=False, widget=TranslationsWidget(textarea=textarea), **kwargs
        )

    def compress(self, data_list) -> dict:
        return {
            code: text.strip()
            for code, text in zip(self.languages, data_list or [], strict=False)
            if text and text.strip()
        }


class TranslatedField(models.JSONField):
    """A JSON object language → text, edited as one input per language."""

    def __init__(self, *args, textarea: bool = False, max_length: int | None = None, **kwargs):
        self.textarea, self.text_max_length = textarea, max_length
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.textarea:
            kwargs["textarea"] = True
        if self.text_max_length:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        for name in ("form_class", "widget", "encoder", "decoder"):
            kwargs.pop(name, None)
        defaults = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "textarea": self.textarea,
            "max_length": self.text_max_length,
        }
        if self.has_default():
            defaults["initial"] = self.get_default()
        return TranslationsFormField(**(defaults | kwargs))
