"""Response headers that Django 5.2 does not set by itself."""

from django.conf import settings


def content_security_policy(get_response):
    """Send the Content-Security-Policy header unless a view has set its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware
