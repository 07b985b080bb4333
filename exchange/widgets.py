"""django-import-export widgets for the template columns: each turns a cell into a value or raises ValueError.

The reason in the ValueError is what the user reads (Vietnamese, English when the user's language is
English). Lookups by code (units, persons, courses, course types) read dictionaries the resource fills
once per file, so a row costs no query.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.widgets import Widget

from core.codes import code_error, normalise_code
from core.names import name_error
from personnel.choices import QualificationKind
from personnel.models import citizen_id_validator
from personnel.qualifications import LADDERS, level_label

from . import cells


class TextWidget(Widget):
    """Free text with a maximum length."""

    def __init__(self, max_length: int, *, required: bool = False, single_spaces: bool = False):
        super().__init__()
        self.max_length, self.required, self.single_spaces = max_length, required, single_spaces

    def clean(self, value, row=None, **kwargs):
        return cells.parse_text(
            value, max_length=self.max_length, required=self.required, single_spaces=self.single_spaces
        )


class CodeWidget(TextWidget):
    """A code (``core.codes``): stripped, upper-case, of the code alphabet; empty gives ""."""

    def clean(self, value, row=None, **kwargs):
        text = normalise_code(super().clean(value, row=row, **kwargs))
        if text:
            error = code_error(text)
            if error:
                raise ValueError(error)
        return text


class NameWidget(TextWidget):
    """A name (``core.names``): single spaces, no control or invisible character."""

    def __init__(self, max_length: int = 255, *, required: bool = True):
        super().__init__(max_length, required=required, single_spaces=True)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        error = name_error(text)
        if error:
            raise ValueError(error)
        return text


class CitizenIdWidget(Widget):
    """A citizen ID: exactly 12 ASCII digits (the model's ``citizen_id_validator``); empty gives None."""

    def clean(self, value, row=None, **kwargs):
        text = "" if cells.is_empty(value) else cells.display(value).strip()
        if text:
            try:
                citizen_id_validator(text)
            except ValidationError:
                raise ValueError(
                    _("Số CCCD phải gồm đúng 12 chữ số (định dạng cột là văn bản để giữ số 0 ở đầu).")
                ) from None
        return text or None


class DateWidget(Widget):
    """A date: dd/mm/yyyy, yyyy-mm-dd or a real date cell."""

    def __init__(self, *, required: bool = False):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        return cells.parse_date(value, required=self.required)

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else ""


class YesNoWidget(Widget):
    """A yes/no cell: Có/Không, x/empty, 1/0, yes/no."""

    def clean(self, value, row=None, **kwargs):
        return cells.parse_yes_no(value)

    def render(self, value, obj=None, **kwargs):
        return _("Có") if value else _("Không")


class WholeNumberWidget(Widget):
    """A whole number in a range; empty gives ``default``."""

    def __init__(self, *, minimum: int = 0, maximum: int | None = None, default=None):
        super().__init__()
        self.minimum, self.maximum, self.default = minimum, maximum, default

    def clean(self, value, row=None, **kwargs):
        number = cells.parse_whole(value, minimum=self.minimum, maximum=self.maximum)
        return self.default if number is None else number


class ChoiceWidget(Widget):
    """A code-list cell: the code or its Vietnamese label, ignoring case and accents."""

    def __init__(self, choices, *, required: bool = True, empty=None):
        super().__init__()
        self.codes = cells.CodeList(choices)
        self.required, self.empty = required, empty

    def clean(self, value, row=None, **kwargs):
        code = self.codes.parse(value, required=self.required)
        return self.empty if code is None else code


class LeadershipLevelWidget(ChoiceWidget):
    """The leadership level 0–4 (default 0), as a number or its label."""

    def clean(self, value, row=None, **kwargs):
        try:
            if cells.looks_numeric(value):
                number = cells.parse_whole(value, minimum=0, maximum=4)
                return self.empty if number is None else number
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            raise ValueError(_("Cấp chức vụ phải là một số từ 0 đến 4.")) from None


class LevelWidget(Widget):
    """A declared qualification level of a fixed kind (number, label, code, CEFR grade); empty gives 0."""

    def __init__(self, kind: str, *, required: bool = False):
        super().__init__()
        self.kind, self.required = kind, required

    def clean(self, value, row=None, **kwargs):
        if cells.is_empty(value):
            if self.required:
                raise ValueError(_("Không được để trống."))
            return 0
        try:
            return cells.parse_level_cell(self.kind, value)
        except ValueError:
            raise ValueError(level_error(self.kind)) from None


def level_error(kind: str) -> str:
    """Return the reason for an unreadable level of ``kind``, listing the accepted values."""
    levels = ", ".join(f"{level} ({level_label(kind, level)})" for level in LADDERS[kind])
    if kind == QualificationKind.FOREIGN_LANGUAGE:
        levels += ", A1…C2"
    return _("Trình độ không hợp lệ; giá trị hợp lệ: %(levels)s.") % {"levels": levels}


class LookupWidget(Widget):
    """A code that names a record of another table, read from a dictionary the resource fills per file."""

    def __init__(self, missing_message, *, required: bool = True):
        """Take the reason for an unknown code (a lazy translation with ``%(code)s``)."""
        super().__init__()
        self.missing_message, self.required = missing_message, required
        self.lookup: dict = {}

    def clean(self, value, row=None, **kwargs):
        if cells.is_empty(value):
            if self.required:
                raise ValueError(_("Không được để trống."))
            return None
        code = cells.parse_text(value, max_length=255)
        found = self.lookup.get(normalise_code(code))  # the resource keys its lookup by normalised code
        if found is None:
            raise ValueError(str(self.missing_message) % {"code": code})
        return found


class CodeListWidget(TextWidget):
    """Codes separated by ``;`` (a closed unit's successors, the primary one first), as ``A;B``."""

    def __init__(self):
        super().__init__(400)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        codes = [normalise_code(part) for part in text.replace(",", ";").split(";")]
        return ";".join(code for code in codes if code)
