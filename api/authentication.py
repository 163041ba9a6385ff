"""Who is calling: a personal token (`Authorization: Bearer …`).

The browser session is DRF's SessionAuthentication, which checks CSRF on every unsafe request.
"""

from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from api import services
from api.models import ApiToken, token_digest


class TokenAuthentication(authentication.BaseAuthentication):
    """Authenticate `Authorization: Bearer <key>` against the stored hash of an active token.

    `request.auth` is the token, so permissions can hold it to its scope; the user's own
    permissions still decide everything else.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                gettext("Send the token as “Authorization: Bearer <token>”, with nothing else.")
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(gettext("The token is not valid.")) from exc
        token = ApiToken.objects.select_related("user").filter(key_sha256=token_digest(key)).first()
        if token is None or not token.is_active or not token.user.is_active:
            # One message for unknown, expired and revoked keys: a caller learns nothing more.
            raise exceptions.AuthenticationFailed(
                gettext("The token is not valid: it is unknown, expired or revoked.")
            )
        services.token_record_use(token=token, method=request.method, path=request.path)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
