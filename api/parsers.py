"""The API reads JSON only; a body that is not JSON gets a Vietnamese message."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            raise ParseError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from error
