"""3. Qualifications — van_bang (data-exchange, section 3)."""

from django.utils.translation import gettext as _
from import_export.fields import Field

from personnel.choices import QualificationKind
from personnel.models import Qualification
from personnel.qualifications import qualification_level_error

from .. import cells
from ..widgets import ChoiceWidget, DateWidget, LevelWidget, TextWidget, level_error
from .base import TemplateResource, in_chunks, person_lookup

# ---------------------------------------------------------------------------------------------
# 3. Qualifications — van_bang


class RowLevelWidget(LevelWidget):
    """A level whose ladder is named by another cell of the row (the ``Loại`` column)."""

    def __init__(self, kind_column: str, kinds: ChoiceWidget):
        super().__init__(kind="", required=True)
        self.kind_column, self.kinds = kind_column, kinds

    def clean(self, value, row=None, **kwargs):
        try:
            kind = self.kinds.clean((row or {}).get(self.kind_column))
        except ValueError:
            return None  # the kind's own cell carries the error
        if cells.is_empty(value):
            raise ValueError(_("Không được để trống."))
        try:
            level = cells.parse_level_cell(kind, value)
        except ValueError:
            raise ValueError(level_error(kind)) from None
        if message := qualification_level_error(kind, level):
            raise ValueError(message)
        return level


_qualification_kinds = ChoiceWidget(QualificationKind)


class QualificationResource(TemplateResource):
    kind = "van_bang"
    key_fields = ("person", "kind_code", "level", "obtained_on")
    required = ("person", "kind_code", "level")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    kind_code = Field(attribute="kind", column_name="Loại", widget=_qualification_kinds)
    level = Field(attribute="level", column_name="Trình độ", widget=RowLevelWidget("Loại", _qualification_kinds))
    obtained_on = Field(attribute="obtained_on", column_name="Ngày cấp", widget=DateWidget())
    document_number = Field(attribute="document_number", column_name="Số hiệu văn bằng", widget=TextWidget(100))

    class Meta(TemplateResource.Meta):
        model = Qualification
        fields = ("person", "kind_code", "level", "obtained_on", "document_number")
        import_id_fields = ("person", "kind_code", "level", "obtained_on")

    def parse_column(self, name, start, stop):
        if name != "level":
            return super().parse_column(name, start, stop)
        # The level's ladder depends on the row's kind: remember each (kind cell, level cell) pair.
        widget = self.fields["level"].widget
        pairs = list(zip(self.raw["kind_code"][start:stop], self.raw["level"][start:stop], strict=True))
        keys = [tuple(cell if cell.__class__ is str else (cell.__class__, cell) for cell in pair) for pair in pairs]
        self._parse_keyed(
            name, start, stop, pairs, lambda pair: widget.clean(pair[1], row={widget.kind_column: pair[0]}), keys
        )

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        self.fields["person"].widget.lookup = persons
        stored = in_chunks(
            Qualification.objects.values(*self.stored_fields()), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(q["person_id"], q["kind"], q["level"], q["obtained_on"]): q for q in stored}

    def check_scope(self, index, record):
        self.check_person_scope(index)
