"""The ASGI application (daphne serves it: `make demo`, tools/serve.py).

HTTP goes to Django as ever; websockets (the online counselling's chat, ``cdm.counselling.routing``)
go to Django Channels, with the session's user for the counsellors' socket and only from the
site's own origins (``ALLOWED_HOSTS``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdm.settings")
django_application = get_asgi_application()  # first: sets Django up before the consumers are imported

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cdm.counselling.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
