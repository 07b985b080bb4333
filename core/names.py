"""Names: which one a page shows (by the active language), and which text a name may hold.

The one place that picks a name by the active language: ``name_en`` on English pages and exports.

Every row the product seeds (programmes, indicators, course types) carries a Vietnamese ``name`` and an
English ``name_en``; a row entered without an English name shows its Vietnamese one.

The one rule on names (persons, units, courses): printable text only.

A name may hold any letter, mark, digit, punctuation, symbol and the ordinary space, but no control
character (NUL, tab, new line…), no invisible format character (right-to-left override U+202E, zero-width
space, byte-order mark…), no line or paragraph separator, no private-use or unassigned code point. Such
characters make a name print backwards or differently from how it sorts and searches, and let two
names that look the same differ. The model fields carry ``validate_name`` (so forms and the API refuse
them), and the import's name columns call ``name_error``.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english() -> bool:
    """Return whether the active language is English."""
    return (get_language() or "").lower().startswith("en")


def localized_name(obj, field: str = "name") -> str:
    """Return ``obj.<field>_en`` on English pages when it is filled, else ``obj.<field>``."""
    if english():
        translated = getattr(obj, f"{field}_en", "")
        if translated:
            return translated
    return getattr(obj, field)


def localized_names(rows) -> dict:
    """Return {code: name} of (code, name, name_en) rows in the active language."""
    use_english = english()
    return {code: (name_en if use_english and name_en else name) for code, name, name_en in rows}


REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def name_error(value) -> str | None:
    """Return why ``value`` is not an acceptable name, or None."""
    for char in str(value or ""):
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            return _("Tên chứa ký tự điều khiển hoặc ký tự ẩn (U+%(code)04X), không được phép.") % {"code": ord(char)}
    return None


def validate_name(value) -> None:
    """Model validator: raise ValidationError when ``value`` holds a control or invisible character."""
    error = name_error(value)
    if error:
        raise ValidationError(error, code="invalid_name")
