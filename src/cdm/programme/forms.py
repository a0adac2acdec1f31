import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdm.network.models import Partner, Pole, Site

from . import series
from .models import Event

FREQUENCIES = [
    ("", _("Une seule séance")),
    ("weekly", _("Chaque semaine")),
    ("biweekly", _("Toutes les deux semaines")),
    ("monthly", _("Chaque mois (même jour de la semaine)")),
    ("custom", _("Règle iCalendar (RRULE)")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class EventForm(forms.ModelForm):
    start_date = forms.DateField(label=_("date de la première séance"), widget=DateInput)
    start_time = forms.TimeField(label=_("heure de début"), widget=TimeInput)
    frequency = forms.ChoiceField(label=_("récurrence"), choices=FREQUENCIES, required=False)
    until = forms.DateField(label=_("jusqu'au"), required=False, widget=DateInput)
    exceptions = forms.CharField(
        label=_("exceptions"),
        required=False,
        help_text=_("Dates sans séance, séparées par des virgules (AAAA-MM-JJ)."),
    )
    custom_rule = forms.CharField(label=_("règle RRULE"), required=False, max_length=300)
    language = forms.ChoiceField(label=_("langue"), choices=settings.LANGUAGES)
    online_url = forms.URLField(label=_("lien en ligne"), required=False, assume_scheme="https")
    # Scoped models: the Cité's own choices are set per form (a class-level query has no scope yet).
    site = forms.ModelChoiceField(label=_("site"), queryset=Site._base_manager.none(), required=False)
    pole = forms.ModelChoiceField(label=_("pôle"), queryset=Pole._base_manager.none(), required=False)

    class Meta:
        model = Event
        fields = [
            "format",
            "role",
            "theme",
            "pole",
            "target_public",
            "duration_minutes",
            "site",
            "venue_name",
            "venue_address",
            "online_url",
            "partners",
            "capacity",
            "language",
            "accessibility",
            "picture",
            "featured",
            "published",
        ]
        widgets = {"partners": forms.CheckboxSelectMultiple}

    def __init__(self, *args, cite, **kwargs):
        super().__init__(*args, **kwargs)
        self.cite = cite
        # One title and one description per language of the network; the Cité's languages first.
        codes = [code for code, _name in settings.LANGUAGES]
        ordered = list(dict.fromkeys([*(c for c in (cite.languages or []) if c in codes), "fr", *codes]))
        names = dict(settings.LANGUAGES)
        fields = {}
        for code in ordered:
            fields[f"title_{code}"] = forms.CharField(
                label=_("titre (%(l)s)") % {"l": names[code]},
                max_length=200,
                required=False,
                initial=(self.instance.title or {}).get(code, ""),
                widget=forms.TextInput(attrs={"lang": code}),
            )
        for code in ordered:
            fields[f"description_{code}"] = forms.CharField(
                label=_("description (%(l)s)") % {"l": names[code]},
                max_length=5000,
                required=False,
                initial=(self.instance.description or {}).get(code, ""),
                widget=forms.Textarea(attrs={"lang": code, "rows": 3}),
            )
        self.fields = {**fields, **self.fields}
        self.languages = ordered
        self.fields["site"].queryset = Site.objects.filter(cite=cite)
        self.fields["pole"].queryset = Pole.objects.filter(cite=cite)
        self.fields["partners"].queryset = Partner.objects.filter(partnerships__cite=cite).distinct()
        # Times are the Cité's own (its time zone), whoever enters them from wherever.
        self.tz = cite.tz
        self.fields["start_time"].help_text = _("Heure locale de la Cité (%(zone)s).") % {
            "zone": cite.timezone
        }
        event = self.instance
        if event.pk:
            local = timezone.localtime(event.starts_at, self.tz)
            self.initial.update(
                {
                    "start_date": local.date(),
                    "start_time": local.time().replace(second=0, microsecond=0),
                    "frequency": "custom" if event.rrule else "",
                    "custom_rule": event.rrule,
                    "exceptions": ", ".join(event.exdates),
                }
            )

    def clean(self):
        data = super().clean()
        data["title"] = {
            c: data[f"title_{c}"].strip() for c in self.languages if data.get(f"title_{c}", "").strip()
        }
        data["description"] = {
            c: data[f"description_{c}"].strip()
            for c in self.languages
            if data.get(f"description_{c}", "").strip()
        }
        if not data["title"]:
            self.add_error(
                f"title_{self.languages[0]}", _("Un titre est obligatoire, dans une langue au moins.")
            )
        # Set before the model's own clean (which asks for a title).
        self.instance.title, self.instance.description = data["title"] or {"fr": "-"}, data["description"]
        self.instance.cite = self.cite
        day, time = data.get("start_date"), data.get("start_time")
        if day and time:
            start = timezone.make_aware(datetime.datetime.combine(day, time), self.tz)
            data["starts_at"] = start
            frequency = data.get("frequency") or ""
            try:
                if frequency == "custom":
                    rule = (data.get("custom_rule") or "").strip()
                    series.validate_rule(rule)
                else:
                    rule = series.rule_for(frequency, start, data.get("until"), self.tz)
                data["rrule"] = rule
                raw = [p for p in (data.get("exceptions") or "").replace(";", ",").split(",") if p.strip()]
                data["exdates"] = series.parse_exdates(raw)
            except series.RuleError as exc:
                self.add_error("frequency" if frequency != "custom" else "custom_rule", str(exc))
        if not data.get("site") and not data.get("venue_name") and not data.get("online_url"):
            self.add_error("site", _("Un site de la Cité, un lieu extérieur ou un lien en ligne."))
        return data

    def save(self, commit=False):
        event = super().save(commit=False)
        event.cite = self.cite
        event.title = self.cleaned_data["title"]
        event.description = self.cleaned_data["description"]
        event.starts_at = self.cleaned_data["starts_at"]
        event.rrule = self.cleaned_data.get("rrule", "")
        event.exdates = self.cleaned_data.get("exdates", [])
        return event


class SessionChangeForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("appliquer à"),
        choices=[("one", _("cette séance seulement")), ("following", _("cette séance et les suivantes"))],
        widget=forms.RadioSelect,
        initial="one",
    )
    start_date = forms.DateField(label=_("date"), widget=DateInput)
    start_time = forms.TimeField(label=_("heure de début"), widget=TimeInput)
    duration_minutes = forms.IntegerField(label=_("durée (minutes)"), min_value=1, max_value=24 * 60)
    site = forms.ModelChoiceField(label=_("site"), queryset=Site._base_manager.none(), required=False)
    capacity = forms.IntegerField(label=_("places"), min_value=0, required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(cite_id=session.cite_id)
        self.tz = session.tz
        self.fields["start_time"].help_text = _("Heure locale de la Cité (%(zone)s).") % {
            "zone": session.event.cite.timezone
        }
        local = timezone.localtime(session.starts_at, self.tz)
        self.initial.update(
            {
                "start_date": local.date(),
                "start_time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
                "site": session.site_id,
                "capacity": session.capacity,
            }
        )

    def starts_at(self) -> datetime.datetime:
        """The new start, read in the Cité's time zone."""
        data = self.cleaned_data
        return timezone.make_aware(datetime.datetime.combine(data["start_date"], data["start_time"]), self.tz)


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Prénom ou pseudonyme"), max_length=80)
    email = forms.EmailField(label=_("Courriel"), max_length=254)
