"""How machines and browsers prove who they are to the API.

Browsers use their login session (``SessionAuthentication``, with CSRF). Other systems use a token
from ``POST /api/v1/auth/login/``: django-rest-knox stores only a hash of it, and it expires after
``REST_KNOX["TOKEN_TTL"]`` (10 hours unless the settings say otherwise).
"""

from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from rest_framework import authentication, exceptions


class TokenAuthentication(knox_auth.TokenAuthentication):
    """Knox tokens (``Authorization: Token <token>``), with Vietnamese error messages."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as error:
            raise exceptions.AuthenticationFailed(_("Token không hợp lệ hoặc đã hết hạn.")) from error

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as error:  # knox would fail with a server error on a non-UTF-8 header
            raise exceptions.AuthenticationFailed() from error
        return super().authenticate_credentials(token)


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, only to obtain a token (``/api/v1/auth/login/``), with a Vietnamese error message."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as error:
            raise exceptions.AuthenticationFailed(_("Tên đăng nhập hoặc mật khẩu không đúng.")) from error
