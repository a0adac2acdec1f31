from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from cdm.lib.maps import member_map_svg

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
    return render(
        request,
        "public/home.html",
        {"cites": cites, "year": year, "figures": figures, "map_svg": _map(cites)},
    )


def cite_list(request):
    cites = list(selectors.member_cites())
    return render(request, "public/cite_list.html", {"cites": cites, "map_svg": _map(cites)})


def cite_detail(request, slug: str):
    detail = selectors.cite_detail(slug)
    if detail is None:
        raise Http404
    return render(request, "public/cite_detail.html", detail)
