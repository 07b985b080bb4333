"""The API reads JSON only; a body that is not JSON, or is nested too deeply, gets a Vietnamese message."""

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Brackets a body may nest: the API's deepest document (a bulk list of objects) needs 2; Python's json module
# would recurse until RecursionError (a 500) on a body of a few thousand "[".
MAX_NESTING = 32


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """Return how deeply the brackets of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, AttributeError) as error:
            raise ParseError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from error
        if nesting_depth(text) > MAX_NESTING:
            raise ParseError(_("Nội dung JSON lồng nhau quá sâu (tối đa %(max)s cấp).") % {"max": MAX_NESTING})
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(_("Nội dung gửi lên không phải JSON hợp lệ.")) from error


def _refuse_constant(name: str):
    """Refuse NaN and ±Infinity, which are not JSON (DRF's own parser refuses them too)."""
    raise ValueError(f"{name} is not valid JSON")
