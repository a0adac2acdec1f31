"""CDM's settings, with the benchmark's URLs (CDM's own and the ceilings)."""

from cdm.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
