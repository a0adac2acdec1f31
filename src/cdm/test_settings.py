"""Settings for the test suite: the real settings, a cheap password hasher."""

import os

os.environ.setdefault("CDM_TESTING", "1")

from cdm.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests build different data with the same ids; cached figures must not cross from one test to the next.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cdm-tests"},
    "figures": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
