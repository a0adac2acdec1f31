"""Settings for the test suite: the real settings, a cheap password hasher."""

import os

os.environ.setdefault("CDM_TESTING", "1")

from cdm.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
