import os

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from cdm.api.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]
if os.environ.get("CDM_BENCH_CEILING") == "1":  # the benchmark's server only
    from cdm.bench_views import ceiling, ceiling_sql, ensure_table

    ensure_table()
    urlpatterns += [path("bench/ceiling", ceiling), path("bench/ceiling-sql", ceiling_sql)]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("cdm.stats.urls")),
    path("", include("cdm.exchange.urls")),
    path("", include("cdm.desk.urls")),
    path("", include("cdm.public.urls")),
)
