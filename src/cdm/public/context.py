from django.conf import settings
from django.urls import translate_url

from cdm.network.models import Network


def site_context(request):
    path = request.get_full_path()
    return {
        "network": Network.current(),
        "language_links": [(code, name, translate_url(path, code)) for code, name in settings.LANGUAGES],
    }
