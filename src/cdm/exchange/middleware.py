"""An upload too large is refused before it is received: the request's declared length is read
before anything parses its body (the CSRF check reads the form), so 300 MB sent to the upload page
are answered at once with 413, not after the server has taken them in."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .package import MAX_UPLOAD, MB, _size

# The form's fields and multipart boundaries around the file.
ALLOWANCE = 1 * MB


class UploadSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_UPLOAD + ALLOWANCE:
            reason = _("le fichier pèse %(size)s, au-delà de la limite de %(max)s") % {
                "size": _size(declared),
                "max": _size(MAX_UPLOAD),
            }
            response = HttpResponse(
                f"package : {reason}", status=413, content_type="text/plain; charset=utf-8"
            )
            return response
        return self.get_response(request)
