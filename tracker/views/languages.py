"""The language menu: every page offers it, to visitors and users alike."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker import languages, services


@require_POST
@login_not_required
def language_set(request):
    """Read the site in the language chosen, and go back to the page the menu was on.

    The choice is kept in a cookie for the browser and, for a signed-in user, with their
    account too. An unknown language changes nothing.
    """
    chosen = request.POST.get("language", "")
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    response = HttpResponseRedirect(back)
    if chosen not in languages.codes():
        return response
    if request.user.is_authenticated:
        services.language_choose(by=request.user, language=chosen)
        request.session[languages.SESSION_KEY] = chosen
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
