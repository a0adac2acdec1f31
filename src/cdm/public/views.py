from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

from cdm.accounts.models import User
from cdm.lib.maps import member_map_svg
from cdm.stats.report import year_in_figures

from . import selectors


def _map(cites) -> str:
    points = [
        {
            "name": f"{c.name} ({c.city})",
            "latitude": c.latitude,
            "longitude": c.longitude,
            "url": reverse("public:cite", args=[c.slug]),
        }
        for c in cites
    ]
    return member_map_svg(points)


def home(request):
    cites = list(selectors.member_cites())
    year = selectors.latest_year()
    figures = selectors.network_figures(year) if year else None
    # The annual report's own "year in figures": the same numbers and sentences.
    key_figures = year_in_figures(figures, year=year) if figures else []
    return render(
        request,
        "public/home.html",
        {
            "cites": cites,
            "year": year,
            "figures": figures,
            "key_figures": key_figures,
            "map_svg": _map(cites),
        },
    )


def cite_list(request):
    cites = list(selectors.member_cites())
    return render(request, "public/cite_list.html", {"cites": cites, "map_svg": _map(cites)})


def cite_detail(request, slug: str):
    detail = selectors.cite_detail(slug)
    if detail is None:
        raise Http404
    return render(request, "public/cite_detail.html", detail)


# The language switcher of every page posts here: Django's own set_language (the same page in the
# chosen language, query string kept, the choice kept in the language cookie). Without a CSRF token:
# all a forged request could do is change a visitor's language, and a token would put a cookie on
# every visitor and make the public pages impossible to cache for everybody.
set_language = csrf_exempt(django_set_language)


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Langue de mes pages"),
        choices=[("", _("Celle de mon navigateur")), *settings.LANGUAGES],
        required=False,
    )

    class Meta:
        model = User
        fields = ["language"]


@login_required
def profile(request):
    """A staff member's own settings: the language of their pages."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        language = form.cleaned_data["language"]
        target = reverse("public:profile")
        return HttpResponseRedirect(translate_url(target, language) if language else target)
    return render(request, "public/profile.html", {"form": form})
