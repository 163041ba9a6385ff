"""How the public site is served: the same bytes for every visitor, cached until a publication.

Public pages change only when something is published for the public, so each answer is kept in
the `PUBLIC_CACHE` cache under the state of publication (`api.public.current_version`), the
language it is written in and the path, and sent with `Cache-Control: public,
max-age=PUBLIC_CACHE_SECONDS`, an `ETag` (the hash of its bytes), `Last-Modified` (the newest
public publication) and `Vary` on what chooses the language; a conditional request is answered
304. The views are rendered without the request, so nothing in them depends on who asks; the
staff pages keep `private, no-store` (`tiptracker.middleware.private_cache`), which leaves alone
only the responses marked here.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from api.public import Version, current_version, public_record

# Headers a view may set that the cache keeps with the body.
_KEPT_HEADERS = ("Content-Disposition", "Content-Security-Policy", "X-Robots-Tag")


def public_cache():
    return caches[settings.PUBLIC_CACHE]


def mark_public(response, *, etag: str, last_modified, max_age: int | None = None):
    """Give `response` the public site's caching headers and answer a conditional request."""
    max_age = settings.PUBLIC_CACHE_SECONDS if max_age is None else max_age
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(int(last_modified.timestamp()))
    response.public_site = True
    return response


def conditional(request, response, last_modified):
    """Return 304 for a request whose validators match `response`, else `response` itself."""
    answer = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(last_modified.timestamp()) if last_modified else None,
        response=response,
    )
    answer.public_site = True
    return answer


def site_is_on(view):
    """Answer 404 for every public URL when the public site is off (`PUBLIC_SITE`)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PUBLIC_SITE:
            raise Http404("There is no public site here.")
        return view(request, *args, **kwargs)

    return wrapped


def record_for(request):
    """Return the public record of the state of publication this request was served from."""
    return public_record(getattr(request, "public_version", None))


def public_page(view):
    """Serve `view` as a public page: anonymous, GET or HEAD, cached, with its validators.

    `view` answers an HttpResponse that does not depend on the request's user or session; only
    a 200 is kept and marked public. Anything else (a 404) is sent as it is, and so stays
    private.
    """

    @login_not_required
    @require_safe
    @site_is_on
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        version: Version = current_version()
        request.public_version = version
        # Feeds name the host they were asked at: one kept answer per host and scheme; pages
        # speak the visitor's language (cookie or browser): one kept answer per language.
        language = translation.get_language()
        key = (
            f"public:{version.key}:{language}:{request.scheme}://{request.get_host()}{request.path}"
        )
        cache = public_cache()
        kept = cache.get(key)
        if kept is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            body = response.content
            kept = {
                "body": body,
                "content_type": response["Content-Type"],
                "headers": {name: response[name] for name in _KEPT_HEADERS if name in response},
                "etag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
                "max_age": getattr(response, "public_max_age", None),
                "frameable": bool(getattr(response, "xframe_options_exempt", False)),
            }
            cache.set(key, kept, timeout=None)
        response = HttpResponse(kept["body"], content_type=kept["content_type"])
        for name, value in kept["headers"].items():
            response[name] = value
        if kept["frameable"]:
            response.xframe_options_exempt = True
        # The language comes from the cookie the language menu sets, or from the browser.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        mark_public(
            response,
            etag=kept["etag"],
            last_modified=version.last_published_at,
            max_age=kept["max_age"],
        )
        return conditional(request, response, version.last_published_at)

    return wrapped
