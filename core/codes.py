"""The one rule on codes: units, persons, courses, programmes, indicators.

A code is written with the **code alphabet**: Latin capital letters A–Z, digits 0–9, and the three
separators ``-`` ``_`` ``.``; it starts with a letter or a digit. Codes compare without regard to case:
``normalise_code`` (strip, upper-case) is applied to every code typed in a form, sent to the API or read
from a spreadsheet, so ``cb070001`` and ``CB070001`` are one person. Words that are a page's own address
(``them-moi``: the "add" pages) are reserved.

Forms, API serializers and import widgets call ``clean_code``; models carry ``validate_code`` (which
accepts a lower-case letter, so rows stored before the rule stay valid). Codes already stored with
another character (a ``/``) still open their pages: ``CodeConverter`` carries any code in one URL
segment.
"""

import re
from urllib.parse import quote, unquote

from django.core.exceptions import ValidationError
from django.db.models import UniqueConstraint
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

CODE_ALPHABET = "A–Z 0–9 - _ ."
CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]*\Z")
# Address words of the pages under a code (/nhan-su/<code>/, /dao-tao/khoa-hoc/<code>/): no code may be one.
RESERVED_CODES = frozenset(
    {"THEM-MOI", "THEM", "SUA", "XOA", "CHI-TIEU", "KHOA-HOC", "TIM-CAN-BO", "GHI-KET-QUA-CA-LOP"}
)


def normalise_code(value) -> str:
    """Return a code as stored: stripped and upper-case ("" for nothing)."""
    return "" if value is None else str(value).strip().upper()


def code_error(value) -> str | None:
    """Return why ``value`` (already normalised) is not a code, or None when it is one."""
    if not CODE_PATTERN.match(value):
        return _("Mã chỉ được gồm chữ cái Latinh không dấu, chữ số và các dấu - _ . (bắt đầu bằng chữ hoặc số).")
    if value in RESERVED_CODES:
        return _("Mã «%(code)s» trùng với một địa chỉ của trang; hãy chọn mã khác.") % {"code": value}
    return None


def validate_code(value) -> None:
    """Model validator: raise ValidationError when ``value`` is not a code (in either case)."""
    error = code_error(normalise_code(value))
    if error:
        raise ValidationError(error, code="invalid_code")


def clean_code(value) -> str:
    """Return ``value`` normalised, or raise ValidationError saying why it is not a code."""
    code = normalise_code(value)
    validate_code(code)
    return code


def code_unique_in_any_case(table: str, message) -> UniqueConstraint:
    """Return the constraint that keeps codes unique without regard to case (``cb1`` beside ``CB1`` is refused).

    Its index on UPPER(code) also serves the lookups ``code__iexact`` that pages, API and imports use.
    """
    return UniqueConstraint(Upper("code"), name=f"{table}_code_upper_unique", violation_error_message=message)


class CodeConverter:
    """A URL segment holding a code: any character but NUL, ``/`` travelling percent-encoded.

    Reversing a URL for a code stored before the alphabet rule (``BD/2``) gives ``BD%252F2`` (Django
    quotes the ``%`` of ``%2F``); the server decodes it once to ``BD%2F2`` and ``to_python`` to ``BD/2``.
    A NUL byte matches nothing (a 404), since the databases cannot compare it.
    """

    regex = r"[^/\x00]+"

    def to_python(self, value: str) -> str:
        code = unquote(value)
        if "\x00" in code:
            raise ValueError("NUL in a code")
        return code

    def to_url(self, value) -> str:
        return quote(str(value), safe="")
