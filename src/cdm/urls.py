from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from cdm.api.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("cdm.stats.urls")),
    path("", include("cdm.exchange.urls")),
    path("", include("cdm.desk.urls")),
    path("", include("cdm.programme.urls")),
    path("", include("cdm.counselling.urls")),
    path("", include("cdm.governance.urls")),
    path("", include("cdm.public.urls")),
)
