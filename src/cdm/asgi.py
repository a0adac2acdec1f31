"""The ASGI application (daphne serves it: `make demo`, tools/serve.py). Plain Django's HTTP for now;
websocket routes, when there are any, are added here around it."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
application = get_asgi_application()
