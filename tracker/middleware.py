"""Response headers that Django 5.2 does not set by itself, and the app's own error pages."""

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404
from django.urls import Resolver404, resolve
from django.views import defaults


def content_security_policy(get_response):
    """Send the Content-Security-Policy header unless a view has set its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class BrandedErrorPages:
    """Answer 400 and 404 with the app's pages when DEBUG is on too.

    With DEBUG off Django's default handlers already render `400.html` and `404.html`. With it
    on, Django's developer pages use inline styles that the Content-Security-Policy blocks, so
    the local demo would show an unstyled page for a mistyped address. Tracebacks of real
    errors (500) stay Django's, since that is what DEBUG is for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and not _resolves(request.path_info):
            # No view ran, so this is Django's "no URL matched" page.
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return defaults.bad_request(request, exception)
        return None
