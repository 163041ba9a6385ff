"""Who is calling: a personal token (`Authorization: Bearer …`).

The browser session is DRF's SessionAuthentication, which checks CSRF on every unsafe request.
"""

from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import authentication, exceptions

from api.models import ApiToken, token_digest
from tracker import twofactor


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>` against the stored hash of an active token.

    `request.auth` is the token, so permissions can hold it to its scope; the user's own
    permissions still decide everything else. A user who must sign in with a second factor
    (`TWO_FACTOR_REQUIRED`) is let in by a token only if they have one and the token was
    created from a session verified with it: a token never bypasses the second factor.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with nothing else."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        token = (
            ApiToken.objects.select_related("user")
            .annotate(user_has_totp=Exists(confirmed))
            .filter(key_sha256=token_digest(key))
            .first()
        )
        if token is None or not token.is_active or not token.user.is_active:
            # One message for unknown, expired and revoked keys: a caller learns nothing more.
            raise exceptions.AuthenticationFailed(
                "The token is not valid: it is unknown, expired or revoked."
            )
        token.user.has_totp = token.user_has_totp
        if twofactor.required_for(token.user) and not (
            token.user.has_totp and token.two_factor_verified
        ):
            # The token is the caller's own: saying why it fails tells them nothing new.
            raise exceptions.AuthenticationFailed(
                "This token's user must sign in with a second factor: set up two-factor "
                "sign-in, then create a new token while signed in with it."
            )
        # The use is recorded once the request is within its rates (api.throttling).
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
