"""Response headers that Django 5.2 does not set by itself, and the app's own error pages."""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views import defaults

from api.authentication import token_caller
from tiptracker.lib.inputs import BadInput
from tracker import languages, twofactor

logger = logging.getLogger("tracker.security")


def content_security_policy(get_response):
    """Send the Content-Security-Policy header unless a view has set its own."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response

    return middleware


def private_cache(get_response):
    """Keep every page and download out of shared and browser caches.

    Pages show internal or restricted evidence to whoever is signed in, and the browser of a
    shared computer would otherwise keep them. Static files are served before this runs and
    keep their long-lived caching. The public site's answers, which hold only what was
    published for the public and are the same for everyone, are marked by `public.caching`
    and keep the public caching it gave them.
    """

    def middleware(request):
        response = get_response(request)
        if not getattr(response, "public_site", False):
            response["Cache-Control"] = "private, no-store"
        return response

    return middleware


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _address_holds_nul(request) -> bool:
    """Return whether a page's address holds a NUL character (the API answers its own errors)."""
    if request.path_info.startswith("/api/"):
        return False
    try:
        pairs = list(request.GET.lists())
    except SuspiciousOperation:
        return False  # too many fields: the view's own reading refuses the request, as before
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in pairs)


class BrandedErrorPages:
    """Answer 400 and 404 with the app's pages when DEBUG is on too; say what input was bad.

    With DEBUG off Django's default handlers already render `400.html` and `404.html`. With it
    on, Django's developer pages use inline styles that the Content-Security-Policy blocks, so
    the local demo would show an unstyled page for a mistyped address. Tracebacks of real
    errors (500) stay Django's, since that is what DEBUG is for. A value refused by the input
    helpers (`tiptracker.lib.inputs.BadInput`) is answered with its message, whatever DEBUG.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _address_holds_nul(request):
            # No field takes a NUL character, and PostgreSQL refuses one in any text it is sent.
            message = gettext(
                "A value in the address holds a NUL character, which no field accepts. "
                "Nothing was changed."
            )
            return render(request, "request_refused.html", {"message": message}, status=400)
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and not _resolves(request.path_info):
            # No view ran, so this is Django's "no URL matched" page.
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, BadInput):
            message = f"{exception} Nothing was changed."
            return render(request, "request_refused.html", {"message": message}, status=400)
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return defaults.bad_request(request, exception)
        return None


def request_size_limit(get_response):
    """Refuse a request body over the configured size before anything reads it.

    Runs before CSRF checks and form parsing, so an oversized anonymous POST is answered at
    once instead of being spooled to disk first. Django reads at most `Content-Length` bytes
    of a body, so checking that header caps the stream; a body sent without one (chunked) would
    be silently ignored by Django, so it is refused too. Signed-in users (by session, or by an
    API token that works) may send an evidence file; anonymous requests only the sign-in form.
    """

    def middleware(request):
        refusal = _body_refusal(request)
        return refusal if refusal is not None else get_response(request)

    return middleware


def _body_refusal(request):
    declared = request.META.get("CONTENT_LENGTH", "").strip()
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not declared:
        if chunked:
            return _refuse(
                request, 411, gettext("The request must say its length (Content-Length).")
            )
        return None
    if not declared.isdigit():
        return _refuse(request, 400, gettext("The request's Content-Length is not a number."))
    length = int(declared)
    limit = settings.ANONYMOUS_MAX_BODY_BYTES
    # The API identifies a token's caller only in its view, after this runs: a body too large
    # for an anonymous request is allowed a signed-in size if it carries a token that works.
    if length > limit and (request.user.is_authenticated or token_caller(request) is not None):
        limit = settings.REQUEST_MAX_BODY_BYTES
    if length <= limit:
        return None
    logger.warning("body-too-large path=%s bytes=%d limit=%d", request.path[:200], length, limit)
    return _refuse(
        request,
        413,
        gettext(
            "The request is %(size)s; at most %(limit)s is accepted here. "
            "Nothing was read or changed."
        )
        % {"size": filesizeformat(length), "limit": filesizeformat(limit)},
    )


def _refuse(request, status: int, message: str):
    response = render(request, "request_refused.html", {"message": message}, status=status)
    # The unread body must not be taken for the next request on a kept-alive connection. Django's
    # development server (wsgiref, which refuses hop-by-hop headers from the app) reads what is
    # left of the body itself; any other server is told to close the connection.
    if not request.META.get("SERVER_SOFTWARE", "").startswith("WSGIServer/"):
        response["Connection"] = "close"
    return response


_TWO_FACTOR_OPEN = ("login", "logout", "two_factor_verify", "two_factor_setup")


def two_factor(get_response):
    """Send a signed-in user on to their second factor before any other page.

    A user with an authenticator enters a code once per session; a user the deployment
    requires to have one (`TWO_FACTOR_REQUIRED`) and who has none is sent to set it up. The
    sign-in, sign-out and two-factor pages themselves stay open.
    """

    def middleware(request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            open_paths = {reverse(name) for name in _TWO_FACTOR_OPEN}
            if request.path_info not in open_paths:
                if twofactor.has_device(user):
                    return _redirect_keeping_next("two_factor_verify", request)
                if twofactor.required_for(user):
                    return _redirect_keeping_next("two_factor_setup", request)
        return get_response(request)

    return middleware


def _redirect_keeping_next(name: str, request):
    target = reverse(name)
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


def user_language(get_response):
    """Speak to a signed-in user in the language they chose, wherever they sign in from.

    `LocaleMiddleware` has picked the language of the visitor's cookie or browser; a user's own
    choice, kept with their account (`tracker.languages`) and copied into the session when they
    sign in, comes first. Runs after authentication.
    """

    def middleware(request):
        chosen = languages.session_language(request)
        if chosen and chosen != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return get_response(request)

    return middleware
