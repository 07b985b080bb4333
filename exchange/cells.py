"""Parse one spreadsheet cell: text, dates, yes/no, whole numbers, code lists (data-exchange, general rules).

Every parser takes the raw cell (a string from CSV; a string, number, bool or date from XLSX) and
returns the Python value, or raises ``ValueError`` whose message is the reason shown to the user.
"""

import datetime
import functools
import re

from django.utils import translation
from django.utils.translation import gettext as _

from core.text import fold_key
from personnel.qualifications import parse_level


@functools.lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """Return ``fold_key(text)``, remembered: a file repeats the same few labels on every row."""
    return fold_key(text)


@functools.lru_cache(maxsize=4096)
def _level(kind: str, text: str) -> int:
    """Return ``parse_level(kind, text)``, remembered like ``folded``."""
    return parse_level(kind, text)


def parse_level_cell(kind: str, value) -> int:
    """Return the level of ``kind`` written in a cell (number, label, code, CEFR grade); raise ValueError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith(("+", "-")):
        raise ValueError(text)  # folding drops the sign: "-1" must not read as level 1
    return _level(kind, text)


def looks_numeric(value) -> bool:
    """Return whether a cell holds a number, signed or with decimals ("-1", "2.5", 3)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+(?:[.,]\d+)?\s*", value) is not None


def is_empty(value) -> bool:
    """Return whether a cell is empty (nothing, or only spaces)."""
    if value is None or value == "":
        return True
    return isinstance(value, str) and value.isspace()


def display(value) -> str:
    """Return a cell as the user sees it in the spreadsheet, for error reports (dates as dd/mm/yyyy)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


ECHO_LIMIT = 100  # characters of a rejected cell repeated in an error message


def echoed(value, limit: int = ECHO_LIMIT) -> str:
    """Return a cell's text as an error message repeats it: at most ``limit`` characters, then an ellipsis."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _as_text(value) -> str:
    """Return a non-date cell as stripped text (a whole float from XLSX loses its ".0")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_text(value, *, max_length: int, required: bool = False, single_spaces: bool = False) -> str:
    """Return the text of a cell, stripped; empty gives ""."""
    if is_empty(value):
        if required:
            raise ValueError(_("Không được để trống."))
        return ""
    if isinstance(value, datetime.date):
        raise ValueError(_("Cần nhập chữ, không phải ngày tháng."))
    text = _as_text(value)
    if single_spaces:
        text = " ".join(text.split())
    if len(text) > max_length:
        raise ValueError(_("Dài quá %(max)s ký tự.") % {"max": max_length})
    return text


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value, *, required: bool = False) -> datetime.date | None:
    """Return the date of a cell written dd/mm/yyyy or yyyy-mm-dd, or of a real date cell; empty gives None."""
    if is_empty(value):
        if required:
            raise ValueError(_("Không được để trống."))
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if match := _DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(_("Ngày không hợp lệ: cần dạng dd/mm/yyyy hoặc yyyy-mm-dd."))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("Ngày không có thật trên lịch.")) from None


_YES = {"co", "x", "1", "yes", "true"}
_NO = {"", "khong", "0", "no", "false"}


def parse_yes_no(value) -> bool:
    """Return the boolean of a yes/no cell: Có/Không, x/empty, 1/0, yes/no."""
    if is_empty(value):
        return False
    if isinstance(value, bool):
        return value
    key = folded(_as_text(value))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(_("Cần Có/Không, x/để trống, 1/0 hoặc yes/no."))


def parse_whole(value, *, minimum: int = 0, maximum: int | None = None, required: bool = False) -> int | None:
    """Return a whole number between ``minimum`` and ``maximum``; empty gives None."""
    if is_empty(value):
        if required:
            raise ValueError(_("Không được để trống."))
        return None
    if isinstance(value, bool | datetime.date):
        raise ValueError(_("Cần một số nguyên."))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("Cần một số nguyên."))
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if re.fullmatch(r"[+-]?\d+(?:\.0+)?", text) is None:
            raise ValueError(_("Cần một số nguyên."))
        number = int(float(text)) if "." in text else int(text)
    if number < minimum or (maximum is not None and number > maximum):
        if maximum is None:
            raise ValueError(_("Cần một số nguyên từ %(min)s trở lên.") % {"min": minimum})
        raise ValueError(_("Cần một số nguyên từ %(min)s đến %(max)s.") % {"min": minimum, "max": maximum})
    return number


class CodeList:
    """A code list whose cells accept the code or its Vietnamese label, ignoring case and accents."""

    def __init__(self, choices):
        """Take a Django choices class or a list of (code, label) pairs."""
        self._choices = choices

    def _pairs(self) -> list[tuple[str, object]]:
        return list(getattr(self._choices, "choices", self._choices))

    @functools.cached_property
    def codes(self) -> dict[str, str]:
        """Return {code as text: code} for the exact-match fast path."""
        return {str(code): code for code, _label in self._pairs()}

    @functools.cached_property
    def _vietnamese(self) -> dict[str, str]:
        with translation.override("vi"):
            return self._folded()

    def _folded(self) -> dict[str, str]:
        by_key = {fold_key(str(label)): code for code, label in self._pairs()}
        by_key.update({fold_key(str(code)): code for code, _label in self._pairs()})  # a code wins over a label
        return by_key

    def parse(self, value, *, required: bool = True):
        """Return the code written in a cell (code or label); empty gives None unless required."""
        if is_empty(value):
            if required:
                raise ValueError(_("Không được để trống."))
            return None
        text = _as_text(value)
        if text in self.codes:
            return self.codes[text]
        key = folded(text)
        found = self._vietnamese.get(key)
        if found is None and translation.get_language() not in (None, "vi"):
            found = self._folded().get(key)  # the label in the user's language
        if found is None:
            raise ValueError(_("Không có trong danh mục; giá trị hợp lệ: %(codes)s.") % {"codes": self.accepted()})
        return found

    def accepted(self) -> str:
        """Return the accepted values for an error message ("thanh_pho (Thành phố), …")."""
        with translation.override("vi"):
            return ", ".join(f"{code} ({label})" for code, label in self._pairs())
