"""The language menu: every page offers it, to visitors and users alike."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from tracker import languages, services


@require_POST
@login_not_required
def language_set(request):
    """Read the site in the language chosen, and go back to the page the menu was on.

    The choice is kept in a cookie for the browser and, for a signed-in user, with their
    account too. An unknown language changes nothing.
    """
    chosen = request.POST.get("language", "")
    response = HttpResponseRedirect(_back(request, request.POST.get("next")))
    if chosen not in languages.codes():
        return response
    if request.user.is_authenticated:
        services.language_choose(by=request.user, language=chosen)
        request.session[languages.SESSION_KEY] = chosen
    return _remember(response, chosen)


@require_safe
@login_not_required
def language_link(request, code: str):
    """Read the site in language `code`, from a link: the public site's menu.

    The public pages are cached and shared by every visitor, so they can hold no form token,
    nor know their own address; their menu is a list of links, which go back to the page they
    came from (`next`, else the page the browser says it came from, if on this site). A link
    only sets the browser's choice (and the session's, for someone signed in), never what a
    user's account keeps: that takes the form.
    """
    back = request.GET.get("next") or request.headers.get("referer")
    response = HttpResponseRedirect(_back(request, back))
    if code not in languages.codes():
        return response
    if request.user.is_authenticated:
        request.session[languages.SESSION_KEY] = code
    return _remember(response, code)


def _back(request, back: str | None) -> str:
    """Return `back` if it is an address on this site, else the front page."""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return "/"


def _remember(response, chosen: str):
    """Keep `chosen` in the browser's language cookie, and read the rest of the request in it."""
    translation.activate(chosen)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
