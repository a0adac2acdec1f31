"""CDM's URLs, and the ceilings of ``make bench-desk`` beside them (the benchmark's server only)."""

from ceiling import ceiling, ceiling_sql, ensure_table
from django.urls import path

from cdm.urls import urlpatterns as cdm_urlpatterns

ensure_table()
urlpatterns = [path("bench/ceiling", ceiling), path("bench/ceiling-sql", ceiling_sql), *cdm_urlpatterns]
