"""django-import-export resources for the six templates of data-exchange.md (sections 1–6).

Every resource reads the rows of one file through the library's row loop, with these choices:

- lookups are prefetched once per file (``prefetch``): units, persons, courses and the existing records
  by natural key, so a row costs no query;
- the existing record of a row is found by its natural key (``NaturalKeyLoader``); a key seen twice in
  one file is an error;
- a row is "unchanged" when every template column equals the stored value (``skip_row`` compares with a
  snapshot taken when the record was found, not with a deep copy per row);
- nothing is written while rows are read; after the last row, if no row is invalid, new and changed
  records are written in bulk with their django-simple-history rows (``write``), each carrying the
  batch's change reason. A file with any invalid row writes nothing.
"""

import datetime
from collections.abc import Iterable
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult

from core.text import fold_key
from personnel.choices import AppointmentKind, Category, Gender, LeadershipLevel, QualificationKind, UnitLevel
from personnel.models import Appointment, OrgUnit, Person, Qualification
from personnel.services import prepare_person, rebuild_unit_paths
from training.choices import CourseForm, TrainingResult
from training.models import Course, CourseType, TrainingRecord

from . import cells
from .bulk import WRITE_BATCH, create_with_history, update_with_history
from .models import ImportKind
from .widgets import (
    ChoiceWidget,
    CitizenIdWidget,
    DateWidget,
    LeadershipLevelWidget,
    LevelWidget,
    LookupWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    level_error,
)

IN_CHUNK = 5000  # codes per "IN (…)" lookup: below every database's parameter limit

K = QualificationKind


def in_chunks(queryset, field: str, values: Iterable) -> list:
    """Return the rows of ``queryset`` whose ``field`` is in ``values``, one query per IN_CHUNK values."""
    values = sorted({value for value in values if value not in (None, "")})
    found = []
    for start in range(0, len(values), IN_CHUNK):
        found.extend(queryset.filter(**{f"{field}__in": values[start : start + IN_CHUNK]}))
    return found


def codes_in(dataset, column: str) -> set[str]:
    """Return the stripped codes written in one column of the file."""
    if column not in dataset.headers:
        return set()
    return {cells.display(value).strip() for value in dataset[column] if not cells.is_empty(value)}


def one_year_after(day: datetime.date) -> datetime.date:
    """Return the same day a year later (29 February gives 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class NaturalKeyLoader(BaseInstanceLoader):
    """Find the stored record of a row by its natural key, in the dictionary the resource prefetched."""

    def get_instance(self, row):
        return self.resource.existing_for(row)


class ImportRowResult(RowResult):
    """A row result that keeps the record's id but not its text (which may need queries per row)."""

    def add_instance_info(self, instance):
        if instance is not None:
            self.object_id = getattr(instance, "pk", None)


class DeferredField(Field):
    """A field whose cleaned cell waits on the instance (``_import_<attribute>``) for ``write`` to resolve it."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        setattr(instance, f"_import_{self.attribute}", self.clean(row, **kwargs))


class TemplateResource(resources.ModelResource):
    """The shared machinery of the six template resources (see the module docstring)."""

    kind: ClassVar[str]
    # Resource field names: the natural key, and the columns a file must have.
    key_fields: ClassVar[tuple[str, ...]]
    required: ClassVar[tuple[str, ...]]
    # Resource field name -> instance attributes compared to tell a changed row (default: the model field).
    compared: ClassVar[dict[str, tuple[str, ...]]] = {}

    class Meta:
        use_bulk = True
        batch_size = None  # write once, after the last row, and only if every row is valid
        skip_diff = True  # unchanged rows are found by ``skip_row`` from a snapshot, without a deep copy
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # every rule is checked per cell and per row, without a query per row
        use_transactions = True
        instance_loader_class = NaturalKeyLoader

    def __init__(self, *, history_reason: str = "import", user=None, **kwargs):
        super().__init__(**kwargs)
        self.history_reason = history_reason
        self.user = user if getattr(user, "pk", None) else None
        self.existing: dict = {}
        self.first_line_of_key: dict = {}
        self.duplicate_of: dict[int, int] = {}
        self.changes: dict[int, list[str]] = {}
        self.row_instances: dict[int, object] = {}
        self.lines: list[int] = []
        self._current_key = None
        self._import_fields = None

    # -- columns --------------------------------------------------------------------------------

    @classmethod
    def column_names(cls) -> dict[str, str]:
        """Return {field name: header as in the template}, in template order."""
        return {name: field.column_name for name, field in cls.fields.items()}

    @classmethod
    def match_headers(cls, headers: list[str]) -> tuple[dict[int, str], list[tuple]]:
        """Return {position in the file: template header} and the errors (unknown, repeated or missing columns)."""
        by_key = {fold_key(column): column for column in cls.column_names().values()}
        mapping, errors, seen = {}, [], {}
        for position, header in enumerate(headers):
            column = by_key.get(fold_key(header))
            if not header:
                errors.append(
                    (
                        1,
                        _("(cột %(number)s, không có tiêu đề)") % {"number": position + 1},
                        "",
                        _("Cột không có tiêu đề."),
                    )
                )
            elif column is None:
                errors.append((1, header, header, _("Cột không có trong mẫu «%(kind)s».") % {"kind": cls.kind_label()}))
            elif column in seen:
                errors.append(
                    (1, header, header, _("Cột lặp lại (đã có ở cột %(number)s).") % {"number": seen[column] + 1})
                )
            else:
                mapping[position] = column
                seen[column] = position
        columns = cls.column_names()
        for name in cls.required:
            if columns[name] not in seen:
                errors.append((1, columns[name], "", _("Thiếu cột bắt buộc.")))
        return mapping, errors

    @classmethod
    def kind_label(cls) -> str:
        return str(ImportKind(cls.kind).label)

    def get_import_fields(self):
        # The library asks for the field list for every row; compute it once.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def get_row_result_class(self):
        return ImportRowResult

    # -- reading rows ---------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        for name in self.key_fields:
            # An optional key column left out of the file is empty on every row.
            column = self.fields[name].column_name
            if column not in dataset.headers:
                dataset.append_col([""] * len(dataset), header=column)
        self.prefetch(dataset)

    def prefetch(self, dataset) -> None:
        """Fill the lookups and ``self.existing`` ({natural key: stored record}) in a few queries."""
        raise NotImplementedError

    def row_key(self, row) -> tuple:
        """Return the natural key of a row (raise ValueError when a key cell is unreadable)."""
        return tuple(self.key_value(name, self.fields[name].clean(row)) for name in self.key_fields)

    def key_value(self, name: str, value):
        """Return a key part as stored (a record becomes its id)."""
        return getattr(value, "pk", value)

    def existing_for(self, row):
        try:
            self._current_key = self.row_key(row)
        except ValueError:
            self._current_key = None  # the cell's error is reported when the row is read
            return None
        return self.existing.get(self._current_key)

    def after_init_instance(self, instance, new, row, **kwargs):
        number = kwargs["row_number"]
        instance._import_row = number
        self.row_instances[number] = instance
        key = self._current_key
        if key is not None:
            if key in self.first_line_of_key:
                self.duplicate_of[number] = self.first_line_of_key[key]
            else:
                self.first_line_of_key[key] = self.lines[number - 1]
        instance._import_before = None if new else self.snapshot(instance)

    def import_instance(self, instance, row, **kwargs):
        # The library's loop, without its per-cell logging and checks for many-to-many widgets (none here).
        errors: dict = {}
        for field in self.get_import_fields():
            if field.column_name in row:
                try:
                    field.save(instance, row, **kwargs)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error), code="invalid")]
        first_line = self.duplicate_of.get(kwargs["row_number"])
        if first_line is not None:
            self.add_error(
                errors, self.key_fields[0], _("Trùng khóa với dòng %(line)s của tệp.") % {"line": first_line}
            )
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors: dict) -> None:
        """Add the errors of rules that span several cells of a row (``add_error``)."""

    def add_error(self, errors: dict, name: str, message: str) -> None:
        """Record an error on a field, unless that cell already has one."""
        attribute = self.fields[name].attribute
        if attribute not in errors:
            errors[attribute] = [ValidationError(message)]

    def compared_attributes(self) -> dict[str, tuple[str, ...]]:
        """Return {field name: instance attributes that hold it}."""
        model_fields = {field.name: field for field in self._meta.model._meta.concrete_fields}
        result = {}
        for name, field in self.fields.items():
            if name in self.compared:
                result[name] = self.compared[name]
            elif field.attribute in model_fields:
                result[name] = (model_fields[field.attribute].attname,)
        return result

    def snapshot(self, instance) -> dict[str, tuple]:
        """Return the compared values of a record."""
        if not hasattr(self, "_compared"):
            self._compared = self.compared_attributes()
        return {name: tuple(getattr(instance, attr, None) for attr in attrs) for name, attrs in self._compared.items()}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance._import_before is None:
            return False
        before, after = instance._import_before, self.snapshot(instance)
        changed = [name for name in after if after[name] != before[name]]
        self.changes[instance._import_row] = changed
        instance._import_changed = changed
        return not changed

    # -- writing --------------------------------------------------------------------------------

    def bulk_create(self, *args, **kwargs):
        # Kept for ``after_import``: writing waits until every row has been read and found valid.
        pass

    def bulk_update(self, *args, **kwargs):
        pass

    def bulk_delete(self, *args, **kwargs):
        pass

    def after_import(self, dataset, result, **kwargs):
        # Not the library's: it resets sequences, which inserts without explicit ids never need.
        if result.has_validation_errors() or result.has_errors():
            return
        self.write(self.create_instances, self.update_instances)

    def history_options(self) -> dict:
        """Return who, why and when, for every history row this import writes."""
        if not hasattr(self, "_history_date"):
            self._history_date = timezone.now()
        return {"user": self.user, "reason": self.history_reason, "date": self._history_date}

    def update_fields(self, instances) -> list[str]:
        """Return the model fields to write for changed records: those of the columns that changed."""
        compared = self.compared_attributes()
        names = {name for instance in instances for name in instance._import_changed}
        model_fields = {field.attname: field.name for field in self._meta.model._meta.concrete_fields}
        return sorted({model_fields[attr] for name in names for attr in compared[name] if attr in model_fields})

    def write(self, created: list, updated: list) -> None:
        """Write the new and changed records with their history rows."""
        model = self._meta.model
        create_with_history(model, created, **self.history_options())
        if updated:
            update_with_history(model, updated, self.update_fields(updated), **self.history_options())

    # -- prefetch helpers -----------------------------------------------------------------------

    def persons_by_code(self, dataset, column: str = "Mã cán bộ") -> dict[str, Person]:
        """Return {code: person} for the person codes of a column (id and code only)."""
        persons = in_chunks(Person.objects.only("id", "code"), "code", codes_in(dataset, column))
        return {person.code: person for person in persons}


def person_lookup() -> LookupWidget:
    """Return the widget of a ``Mã cán bộ`` column that refers to an existing person."""
    return LookupWidget(gettext_lazy("Không có cán bộ mã «%(code)s» (hãy nhập danh sách cán bộ trước)."))


# ---------------------------------------------------------------------------------------------
# 1. Units — don_vi


class UnitResource(TemplateResource):
    kind = "don_vi"
    key_fields = ("code",)
    required = ("code", "name", "level")
    compared = {"parent": ("_import_parent",)}

    code = Field(attribute="code", column_name="Mã đơn vị", widget=TextWidget(40, required=True))
    name = Field(attribute="name", column_name="Tên đơn vị", widget=TextWidget(255, required=True, single_spaces=True))
    parent = DeferredField(attribute="parent", column_name="Mã đơn vị cấp trên", widget=TextWidget(40))
    level = Field(attribute="level", column_name="Cấp", widget=ChoiceWidget(UnitLevel))

    class Meta(TemplateResource.Meta):
        model = OrgUnit
        fields = ("code", "name", "parent", "level")
        import_id_fields = ("code",)

    def prefetch(self, dataset):
        units = list(OrgUnit.objects.all())
        code_of = {unit.pk: unit.code for unit in units}
        for unit in units:
            unit._import_parent = code_of.get(unit.parent_id) or ""
        self.units = {unit.code: unit for unit in units}
        self.existing = {(unit.code,): unit for unit in units}
        # The tree as it will be after the file: stored parents, replaced by the file's.
        self.parent_of = {unit.code: unit._import_parent for unit in units}
        self.file_codes = set()
        parent_column = self.fields["parent"].column_name
        has_parents = parent_column in dataset.headers
        parents = dataset[parent_column] if has_parents else [""] * len(dataset)
        for code, parent in zip(dataset[self.fields["code"].column_name], parents, strict=True):
            code = cells.display(code).strip()
            if code:
                self.file_codes.add(code)
                if has_parents or code not in self.parent_of:
                    self.parent_of[code] = cells.display(parent).strip()
        self.in_cycle = self._codes_in_cycles()

    def _codes_in_cycles(self) -> set[str]:
        """Return the units whose chain of parents loops back (a unit under itself)."""
        in_cycle, done = set(), set()
        for start in self.parent_of:
            path, code = [], start
            while code and code not in done and code not in path:
                path.append(code)
                code = self.parent_of.get(code)
            if code in path:
                in_cycle.update(path[path.index(code) :])
            done.update(path)
        return in_cycle

    def init_instance(self, row=None):
        unit = super().init_instance(row)
        unit._import_parent = ""
        return unit

    def check_row(self, instance, row, errors):
        parent = getattr(instance, "_import_parent", "")
        if "parent" in errors or not parent:
            return
        if parent not in self.units and parent not in self.file_codes:
            self.add_error(errors, "parent", _("Không có đơn vị mã «%(code)s».") % {"code": parent})
        elif instance.code in self.in_cycle:
            self.add_error(errors, "parent", _("Đơn vị cấp trên tạo thành vòng lặp (một đơn vị nằm dưới chính nó)."))

    def write(self, created, updated):
        by_code = dict(self.units)
        by_code.update({unit.code: unit for unit in created})
        pending = list(created)
        # Parents first: a unit is inserted once its parent has an id (a parent may come later in the file).
        while pending:
            ready = [u for u in pending if not u._import_parent or by_code[u._import_parent].pk is not None]
            if not ready:
                raise ValueError("Units form a cycle")
            for unit in ready:
                unit.parent = by_code[unit._import_parent] if unit._import_parent else None
            create_with_history(OrgUnit, ready, **self.history_options())
            if any(unit.pk is None for unit in ready):
                raise RuntimeError("The database did not return the ids of the new units")
            pending = [u for u in pending if u.pk is None]
        for unit in updated:
            unit.parent = by_code[unit._import_parent] if unit._import_parent else None
        if updated:
            update_with_history(OrgUnit, updated, self.update_fields(updated), **self.history_options())
        rebuild_unit_paths()

    def update_fields(self, instances):
        fields = set(super().update_fields(instances))
        if any("parent" in unit._import_changed for unit in instances):
            fields.add("parent")
        return sorted(fields)


# ---------------------------------------------------------------------------------------------
# 2. Personnel — nhan_su


class DeputyTermWidget(TextWidget):
    """A People's Council term such as 2021-2026; empty when the person is not a deputy."""

    def __init__(self):
        super().__init__(40)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs).replace(" ", "").replace("–", "-")
        if text and not (len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()):
            raise ValueError(_("Nhiệm kỳ phải có dạng 2021-2026."))
        return text


class PersonResource(TemplateResource):
    kind = "nhan_su"
    key_fields = ("code",)
    required = ("code", "full_name", "birth_date", "unit", "category")

    code = Field(attribute="code", column_name="Mã cán bộ", widget=TextWidget(40, required=True))
    full_name = Field(
        attribute="full_name", column_name="Họ và tên", widget=TextWidget(255, required=True, single_spaces=True)
    )
    birth_date = Field(attribute="birth_date", column_name="Ngày sinh", widget=DateWidget(required=True))
    gender = Field(attribute="gender", column_name="Giới tính", widget=ChoiceWidget(Gender, required=False, empty=""))
    citizen_id = Field(attribute="citizen_id", column_name="Số CCCD", widget=CitizenIdWidget())
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=LookupWidget(gettext_lazy("Không có đơn vị mã «%(code)s» (hãy nhập danh sách đơn vị trước).")),
    )
    category = Field(attribute="category", column_name="Đối tượng", widget=ChoiceWidget(Category))
    position_title = Field(
        attribute="position_title", column_name="Chức vụ", widget=TextWidget(255, single_spaces=True)
    )
    leadership_level = Field(
        attribute="leadership_level",
        column_name="Cấp chức vụ",
        widget=LeadershipLevelWidget(LeadershipLevel, required=False, empty=LeadershipLevel.NONE),
    )
    btv_managed = Field(attribute="btv_managed", column_name="Diện BTV Thành ủy quản lý", widget=YesNoWidget())
    btv_succession = Field(attribute="btv_succession", column_name="Quy hoạch diện BTV", widget=YesNoWidget())
    deputy_term = Field(attribute="deputy_term", column_name="Nhiệm kỳ HĐND", widget=DeputyTermWidget())
    education_level = Field(
        attribute="education_level", column_name="Trình độ chuyên môn", widget=LevelWidget(K.EDUCATION)
    )
    field_suited = Field(attribute="field_suited", column_name="Chuyên môn phù hợp VTVL", widget=YesNoWidget())
    political_level = Field(
        attribute="political_level", column_name="Lý luận chính trị", widget=LevelWidget(K.POLITICAL_THEORY)
    )
    state_management_level = Field(
        attribute="state_management_level", column_name="Quản lý nhà nước", widget=LevelWidget(K.STATE_MANAGEMENT)
    )
    language_level = Field(attribute="language_level", column_name="Ngoại ngữ", widget=LevelWidget(K.FOREIGN_LANGUAGE))
    start_date = Field(attribute="start_date", column_name="Ngày bắt đầu công tác", widget=DateWidget())
    end_date = Field(attribute="end_date", column_name="Ngày thôi việc", widget=DateWidget())

    class Meta(TemplateResource.Meta):
        model = Person
        fields = (
            "code",
            "full_name",
            "birth_date",
            "gender",
            "citizen_id",
            "unit",
            "category",
            "position_title",
            "leadership_level",
            "btv_managed",
            "btv_succession",
            "deputy_term",
            "education_level",
            "field_suited",
            "political_level",
            "state_management_level",
            "language_level",
            "start_date",
            "end_date",
        )
        import_id_fields = ("code",)

    def prefetch(self, dataset):
        self.fields["unit"].widget.lookup = {unit.code: unit for unit in OrgUnit.objects.all()}
        persons = in_chunks(Person.objects.all(), "code", codes_in(dataset, "Mã cán bộ"))
        self.existing = {(person.code,): person for person in persons}
        citizen_ids = {c for c in codes_in(dataset, "Số CCCD") if len(c) == 12}
        holders = in_chunks(Person.objects.only("id", "code", "citizen_id"), "citizen_id", citizen_ids)
        self.citizen_id_holder = {person.citizen_id: person.code for person in holders}
        self.citizen_id_line: dict[str, int] = {}

    def check_row(self, instance, row, errors):
        if instance.start_date and instance.end_date and instance.end_date < instance.start_date:
            self.add_error(errors, "end_date", _("Ngày thôi việc trước ngày bắt đầu công tác."))
        citizen_id = instance.citizen_id
        if citizen_id and "citizen_id" not in errors:
            holder = self.citizen_id_holder.get(citizen_id)
            first_line = self.citizen_id_line.setdefault(citizen_id, self.lines[instance._import_row - 1])
            if holder is not None and holder != instance.code:
                self.add_error(errors, "citizen_id", _("Số CCCD này đã thuộc cán bộ mã «%(code)s».") % {"code": holder})
            elif first_line != self.lines[instance._import_row - 1]:
                self.add_error(
                    errors, "citizen_id", _("Số CCCD trùng với dòng %(line)s của tệp.") % {"line": first_line}
                )

    def before_save_instance(self, instance, row, **kwargs):
        prepare_person(instance)

    def update_fields(self, instances):
        fields = set(super().update_fields(instances))
        if "full_name" in fields or "code" in fields:
            fields.update(["family_name", "middle_name", "given_name", "sort_key", "search_text"])
        now = timezone.now()
        for person in instances:
            person.updated_at = now  # bulk_update does not fill auto_now fields
        return sorted(fields | {"updated_at"})


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
            return cells.parse_level_cell(kind, value)
        except ValueError:
            raise ValueError(level_error(kind)) from None


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

    def prefetch(self, dataset):
        persons = self.persons_by_code(dataset)
        self.fields["person"].widget.lookup = persons
        stored = in_chunks(Qualification.objects.all(), "person_id", (p.pk for p in persons.values()))
        self.existing = {(q.person_id, q.kind, q.level, q.obtained_on): q for q in stored}


# ---------------------------------------------------------------------------------------------
# 4. Courses — khoa_hoc


class CourseTypesWidget(TextWidget):
    """One or more course-type codes (or names) separated by ``;``; repeats are dropped."""

    def __init__(self):
        super().__init__(2000, required=True)
        self.codes = cells.CodeList([])

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        found = []
        for part in text.split(";"):
            if part.strip():
                try:
                    code = self.codes.parse(part)
                except ValueError:
                    raise ValueError(
                        _("Không có loại khóa học «%(type)s»; mã hợp lệ: %(codes)s.")
                        % {"type": part.strip(), "codes": ", ".join(self.codes.codes)}
                    ) from None
                if code not in found:
                    found.append(code)
        if not found:
            raise ValueError(_("Không được để trống."))
        return frozenset(found)


class GrantWidget(TextWidget):
    """The qualification a course grants, as ``Loại:Trình độ`` (``ly_luan_chinh_tri:cao_cap``); empty: none."""

    kinds = ChoiceWidget(QualificationKind)

    def __init__(self):
        super().__init__(100)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if not text:
            return (None, None)
        kind_text, separator, level_text = text.partition(":")
        if not separator:
            raise ValueError(_("Cần dạng Loại:Trình độ, ví dụ ly_luan_chinh_tri:cao_cap hoặc ngoai_ngu:B1."))
        kind = self.kinds.clean(kind_text)
        try:
            return (kind, cells.parse_level_cell(kind, level_text))
        except ValueError:
            raise ValueError(level_error(kind)) from None


class GrantField(Field):
    """``Cấp trình độ``: one cell, two model fields (``grants_kind``, ``grants_level``)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.grants_kind, instance.grants_level = self.clean(row, **kwargs)


class CourseResource(TemplateResource):
    kind = "khoa_hoc"
    key_fields = ("code",)
    required = ("code", "title", "types", "start_date", "end_date")
    compared = {"types": ("_import_types",), "grants": ("grants_kind", "grants_level")}

    code = Field(attribute="code", column_name="Mã khóa học", widget=TextWidget(60, required=True))
    title = Field(
        attribute="title", column_name="Tên khóa học", widget=TextWidget(255, required=True, single_spaces=True)
    )
    types = DeferredField(attribute="types", column_name="Loại khóa học", widget=CourseTypesWidget())
    form = Field(attribute="form", column_name="Hình thức", widget=ChoiceWidget(CourseForm, required=False, empty=""))
    provider = Field(attribute="provider", column_name="Cơ sở đào tạo", widget=TextWidget(255, single_spaces=True))
    start_date = Field(attribute="start_date", column_name="Từ ngày", widget=DateWidget(required=True))
    end_date = Field(attribute="end_date", column_name="Đến ngày", widget=DateWidget(required=True))
    hours = Field(attribute="hours", column_name="Số tiết", widget=WholeNumberWidget(minimum=0, maximum=2_147_483_647))
    grants = GrantField(attribute="grants_kind", column_name="Cấp trình độ", widget=GrantWidget())

    class Meta(TemplateResource.Meta):
        model = Course
        fields = ("code", "title", "types", "form", "provider", "start_date", "end_date", "hours", "grants")
        import_id_fields = ("code",)

    def prefetch(self, dataset):
        self.fields["types"].widget.codes = cells.CodeList(list(CourseType.objects.values_list("code", "name")))
        courses = in_chunks(Course.objects.prefetch_related("types"), "code", codes_in(dataset, "Mã khóa học"))
        for course in courses:
            course._import_types = frozenset(t.code for t in course.types.all())
        self.existing = {(course.code,): course for course in courses}

    def init_instance(self, row=None):
        course = super().init_instance(row)
        course._import_types = frozenset()
        return course

    def check_row(self, instance, row, errors):
        if instance.start_date and instance.end_date and instance.end_date < instance.start_date:
            self.add_error(errors, "end_date", _("Ngày kết thúc trước ngày bắt đầu."))

    def update_fields(self, instances):
        return [name for name in super().update_fields(instances) if name != "types"]

    def write(self, created, updated):
        """Write courses, their types and their history (with the types as of the change) in bulk."""
        through = Course.types.through
        Course.objects.bulk_create(created, batch_size=WRITE_BATCH)
        fields = self.update_fields(updated)
        if updated and fields:
            Course.objects.bulk_update(updated, fields, batch_size=WRITE_BATCH)
        retyped = [course for course in updated if "types" in course._import_changed]
        if retyped:
            through.objects.filter(course_id__in=[c.pk for c in retyped]).delete()
        through.objects.bulk_create(
            [
                through(course_id=c.pk, coursetype_id=code)
                for c in [*created, *retyped]
                for code in sorted(c._import_types)
            ],
            batch_size=WRITE_BATCH,
        )
        who = self.history_options()
        options = {"default_user": who["user"], "default_change_reason": who["reason"], "default_date": who["date"]}
        history = Course.history.bulk_history_create(created, batch_size=WRITE_BATCH, **options)
        history += Course.history.bulk_history_create(updated, batch_size=WRITE_BATCH, update=True, **options)
        # simple-history records a course's types with each history row (m2m_fields=[types]).
        types_of: dict[int, list] = {}
        for link in through.objects.filter(course_id__in=[h.id for h in history]):
            types_of.setdefault(link.course_id, []).append(link)
        type_history = Course.history.model.types.model
        type_history.objects.bulk_create(
            [
                type_history(history=h, id=link.id, course_id=link.course_id, coursetype_id=link.coursetype_id)
                for h in history
                for link in types_of.get(h.id, [])
            ],
            batch_size=WRITE_BATCH,
        )


# ---------------------------------------------------------------------------------------------
# 5. Training records — ket_qua


class TrainingRecordResource(TemplateResource):
    kind = "ket_qua"
    key_fields = ("person", "course")
    required = ("person", "course", "result")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    course = Field(
        attribute="course",
        column_name="Mã khóa học",
        widget=LookupWidget(gettext_lazy("Không có khóa học mã «%(code)s» (hãy nhập danh sách khóa học trước).")),
    )
    result = Field(attribute="result", column_name="Kết quả", widget=ChoiceWidget(TrainingResult))
    completed_on = Field(attribute="completed_on", column_name="Ngày hoàn thành", widget=DateWidget())
    certificate_number = Field(attribute="certificate_number", column_name="Số chứng chỉ", widget=TextWidget(100))

    class Meta(TemplateResource.Meta):
        model = TrainingRecord
        fields = ("person", "course", "result", "completed_on", "certificate_number")
        import_id_fields = ("person", "course")

    def prefetch(self, dataset):
        persons = self.persons_by_code(dataset)
        courses = in_chunks(
            Course.objects.only("id", "code", "start_date", "end_date"), "code", codes_in(dataset, "Mã khóa học")
        )
        self.fields["person"].widget.lookup = persons
        self.fields["course"].widget.lookup = {course.code: course for course in courses}
        course_ids = {course.pk for course in courses}
        stored = in_chunks(
            TrainingRecord.objects.filter(course_id__in=course_ids), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(record.person_id, record.course_id): record for record in stored}
        self.today = timezone.localdate()

    def check_row(self, instance, row, errors):
        """Apply the completion-date rules of data-exchange, section 5."""
        course = instance.course if instance.course_id else None
        completed_on, result = instance.completed_on, instance.result
        if "completed_on" in errors:
            return
        if completed_on and result and result != TrainingResult.COMPLETED and "result" not in errors:
            self.add_error(errors, "completed_on", _("Chỉ ghi ngày hoàn thành khi kết quả là «Hoàn thành»."))
        elif completed_on and completed_on > self.today:
            self.add_error(errors, "completed_on", _("Ngày hoàn thành ở tương lai."))
        elif completed_on and course and completed_on < course.start_date:
            self.add_error(
                errors,
                "completed_on",
                _("Ngày hoàn thành trước ngày bắt đầu khóa học (%(date)s).")
                % {"date": f"{course.start_date:%d/%m/%Y}"},
            )
        elif completed_on and course and completed_on > one_year_after(course.end_date):
            self.add_error(
                errors,
                "completed_on",
                _("Ngày hoàn thành muộn hơn một năm sau ngày kết thúc khóa học (%(date)s).")
                % {"date": f"{course.end_date:%d/%m/%Y}"},
            )
        elif not completed_on and result == TrainingResult.COMPLETED and course and course.end_date > self.today:
            # The completion date defaults to the course's end date, which is still to come.
            self.add_error(
                errors,
                "completed_on",
                _("Khóa học kết thúc ngày %(date)s, sau hôm nay: ghi ngày hoàn thành hoặc chờ khóa học kết thúc.")
                % {"date": f"{course.end_date:%d/%m/%Y}"},
            )


# ---------------------------------------------------------------------------------------------
# 6. Appointments — bo_nhiem


class AppointmentResource(TemplateResource):
    kind = "bo_nhiem"
    key_fields = ("person", "kind_code", "appointed_on")
    required = ("person", "kind_code", "title", "appointed_on")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    kind_code = Field(attribute="kind", column_name="Loại bổ nhiệm", widget=ChoiceWidget(AppointmentKind))
    title = Field(attribute="title", column_name="Chức danh", widget=TextWidget(255, required=True, single_spaces=True))
    appointed_on = Field(attribute="appointed_on", column_name="Ngày bổ nhiệm", widget=DateWidget(required=True))

    class Meta(TemplateResource.Meta):
        model = Appointment
        fields = ("person", "kind_code", "title", "appointed_on")
        import_id_fields = ("person", "kind_code", "appointed_on")

    def prefetch(self, dataset):
        persons = self.persons_by_code(dataset)
        self.fields["person"].widget.lookup = persons
        stored = in_chunks(Appointment.objects.all(), "person_id", (p.pk for p in persons.values()))
        self.existing = {(a.person_id, a.kind, a.appointed_on): a for a in stored}


RESOURCES: dict[str, type[TemplateResource]] = {
    resource.kind: resource
    for resource in (
        UnitResource,
        PersonResource,
        QualificationResource,
        CourseResource,
        TrainingRecordResource,
        AppointmentResource,
    )
}


def field_errors(resource: TemplateResource, error: ValidationError) -> list[tuple[str, list[str]]]:
    """Return [(field name or "", [reasons])] of a row's ValidationError, in template column order."""
    by_attribute = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    ordered = []
    for name, field in resource.fields.items():
        if field.attribute in by_attribute:
            ordered.append((name, by_attribute.pop(field.attribute)))
    ordered.extend(("", messages) for messages in by_attribute.values())
    return ordered
