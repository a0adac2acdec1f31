"""Settings for the test suite: the real settings, plus what only tests may have.

A production process never loads this module, so nothing here can weaken it: the fixed secret key,
the test client's host name and plain HTTP are set here, not switched on by an environment variable
that the real settings would read.
"""

import os

os.environ.setdefault("CDM_SECRET_KEY", "test-suite-only-" + "x" * 40)
# The live server of the browser tests speaks plain HTTP.
os.environ.setdefault("CDM_HTTPS", "0")

from cdm.settings import *  # noqa: E402,F403
from cdm.settings import ALLOWED_HOSTS, AUTHENTICATION_BACKENDS  # noqa: E402

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "[::1]"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class AxesBackendOrTestClient:
    """django-axes' backend, except for Django's test client, which signs in without a request.

    Every sign-in through a page still goes through axes (tests/test_login_throttle.py).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        from axes.backends import AxesStandaloneBackend

        return AxesStandaloneBackend().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id):
        # client.force_login() signs in with the first backend: the model's, as the login page would.
        from django.contrib.auth.backends import ModelBackend

        return ModelBackend().get_user(user_id)


AUTHENTICATION_BACKENDS = [
    "cdm.test_settings.AxesBackendOrTestClient" if b == "axes.backends.AxesStandaloneBackend" else b
    for b in AUTHENTICATION_BACKENDS
]
# axes looks for its backend by class; the one above wraps it (every page sign-in still goes through it).
SILENCED_SYSTEM_CHECKS = ["axes.W003"]

# Tests build different data with the same ids; cached figures must not cross from one test to the next.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cdm-tests"},
    "figures": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
