"""The coordination's forms: one per record, dates as date pickers, Cités limited to the user's."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from cdm.accounts.permissions import Action, may
from cdm.network.models import Cite

from . import models as m

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PrivateFileInput(forms.ClearableFileInput):
    """A file input that never links the file: private papers have no URL (they are served by a view)."""

    template_name = "governance/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))


class RecordForm(forms.ModelForm):
    """A model form that knows its user: the Cités it offers are those the user reaches."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DATE
            if isinstance(field, forms.FileField):
                field.widget = PrivateFileInput()
            if (
                isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField)
                and field.queryset.model is Cite
            ):
                field.queryset = Cite.objects.filter(
                    pk__in=[c.pk for c in Cite.objects.all() if may(user, Action.VIEW, c)]
                ).order_by("name")
        if "attendees" in self.fields:
            self.fields["attendees"].queryset = m.Mandate.objects.select_related("body")


def form_for(model):
    exclude = ["demo"] if any(f.name == "demo" for f in model._meta.fields) else []
    widgets = {}
    for f in model._meta.get_fields():
        if f.many_to_many and not f.auto_created:
            widgets[f.name] = forms.CheckboxSelectMultiple
    return forms.modelform_factory(
        model, form=RecordForm, exclude=exclude, widgets=widgets, formfield_callback=_formfield
    )


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a link typed without its scheme is an https one
    return model_field.formfield(**kwargs)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = m.Decision
        fields = ["text", "outcome", "votes_for", "votes_against", "abstentions"]


DecisionFormSet = forms.inlineformset_factory(
    m.Meeting, m.Decision, form=DecisionForm, extra=3, can_delete=True, max_num=50
)
DecisionFormSet.verbose_name_plural = _("Décisions")
