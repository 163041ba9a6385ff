"""Who is calling: a personal token (`Authorization: Bearer …`).

The browser session is DRF's SessionAuthentication, which checks CSRF on every unsafe request.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import authentication, exceptions

from api.models import ApiToken, token_digest
from tracker import twofactor

KEYWORD = "Bearer"
# Marked here, translated when a refusal is given (in the caller's language).
_NOT_VALID = gettext_noop("The token is not valid: it is unknown, expired or revoked.")
_NEEDS_SECOND_FACTOR = gettext_noop(
    "This token's user must sign in with a second factor: set up two-factor sign-in, then "
    "create a new token while signed in with it."
)


def bearer_key(request) -> str | None:
    """Return the key of a well-formed `Authorization: Bearer <key>` header, else None."""
    header = authentication.get_authorization_header(request).split()
    if len(header) != 2 or header[0].lower() != KEYWORD.lower().encode():
        return None
    try:
        return header[1].decode("ascii")
    except UnicodeDecodeError:
        return None


def find_token(key: str) -> ApiToken | None:
    """Return the token stored for `key`, with its user and whether they have a second factor."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    token = (
        ApiToken.objects.select_related("user")
        .annotate(user_has_totp=Exists(confirmed))
        .filter(key_sha256=token_digest(key))
        .first()
    )
    if token is not None:
        token.user.has_totp = token.user_has_totp
    return token


def refusal(token: ApiToken | None) -> str | None:
    """Return why `token` may not act for its user, or None if it may."""
    if token is None or not token.is_active or not token.user.is_active:
        # One message for unknown, expired and revoked keys: a caller learns nothing more.
        return gettext(_NOT_VALID)
    if twofactor.required_for(token.user) and not (
        token.user.has_totp and token.two_factor_verified
    ):
        # The token is the caller's own: saying why it fails tells them nothing new.
        return gettext(_NEEDS_SECOND_FACTOR)
    return None


def token_caller(request):
    """Return the user a request's token acts for, or None (no token, or one that may not).

    For what runs before the API authenticates the request (the body size limit).
    """
    key = bearer_key(request)
    token = find_token(key) if key else None
    return token.user if token is not None and refusal(token) is None else None


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>` against the stored hash of an active token.

    `request.auth` is the token, so permissions can hold it to its scope; the user's own
    permissions still decide everything else. A user who must sign in with a second factor
    (`TWO_FACTOR_REQUIRED`) is let in by a token only if they have one and the token was
    created from a session verified with it: a token never bypasses the second factor.
    """

    keyword = KEYWORD

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                gettext("Send the token as “Authorization: Bearer <token>”, with nothing else.")
            )
        key = bearer_key(request)
        if key is None:
            raise exceptions.AuthenticationFailed(gettext("The token is not valid."))
        token = find_token(key)
        refused = refusal(token)
        if refused is not None:
            raise exceptions.AuthenticationFailed(refused)
        # The use is recorded once the request is within its rates (api.throttling).
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
