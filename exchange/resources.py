"""django-import-export resources for the six templates of data-exchange.md (sections 1–6), and how a file is read.

The resources declare each template: its columns (``Field.column_name``), the widget that reads each cell,
the model attribute it sets, the natural key and the required columns. The command, the pages and the
API read files through them.

A file is not read through the library's row loop (one model instance, one diff and one per-field
dispatch per row: about 400 rows/s) but column by column (``TemplateResource.check``):

- each column is parsed with its widget's ``clean`` once per distinct cell value (code lists, units and
  dates repeat massively), remembered for the file;
- rows are checked as plain values: the natural key, a key twice in the file, the rules spanning several
  cells (``check_row``), and the importer's scope;
- stored records are fetched once, as dictionaries (``prefetch``), and compared column by column, so a
  row is new, updated (with the columns that changed) or unchanged;
- nothing is written while rows are read; if no row is invalid, new and changed records are written in
  bulk with their django-simple-history rows (``write``, COPY on PostgreSQL), each carrying the batch's
  change reason. A file with any invalid row writes nothing.
"""

import datetime
import functools
from collections.abc import Callable, Iterable
from typing import ClassVar

from django.db import connection
from django.db.models import BooleanField, Count, F, ForeignKey
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field

from accounts.scoping import scope_unit
from core.codes import normalise_code
from core.concurrency import claim_versions, is_versioned
from core.text import _letters_and_tones, fold, fold_key, split_name
from personnel import history
from personnel.choices import AppointmentKind, Category, Gender, LeadershipLevel, QualificationKind, UnitLevel
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification, UnitSuccession
from personnel.qualifications import level_label, qualification_level_error
from personnel.services import rebuild_unit_paths
from training.choices import CourseForm, TrainingResult
from training.models import Course, CourseType, TrainingRecord
from training.services import shared_course_message

from . import cells
from .bulk import (
    WRITE_BATCH,
    create_with_history,
    insert_columns,
    new_instances,
    record_deletions,
    update_with_history,
)
from .models import ImportKind
from .widgets import (
    ChoiceWidget,
    CitizenIdWidget,
    CodeListWidget,
    CodeWidget,
    DateWidget,
    LeadershipLevelWidget,
    LevelWidget,
    LookupWidget,
    NameWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    level_error,
)

# Columns of the course template that carry what a course's records mean (training.services.COURSE_MEANING_FIELDS).
COURSE_MEANING_COLUMNS = {"start_date", "end_date", "types", "grants"}
IN_CHUNK = 5000  # codes per "IN (…)" lookup: below every database's parameter limit
ROWS_PER_STEP = 5000  # rows checked between two progress reports

K = QualificationKind

# The header of the reasons column that a failed-rows file adds (exchange.spreadsheets.failed_rows_workbook),
# in each language: an import ignores that column.
REASON_HEADERS = ("Lý do lỗi", "Error reasons")


def in_chunks(queryset, field: str, values: Iterable) -> list:
    """Return the rows of ``queryset`` whose ``field`` is in ``values``.

    On PostgreSQL one ``= ANY(array)`` query (one parameter, where ``IN`` costs Django a parameter per
    value); elsewhere one ``IN (…)`` query per IN_CHUNK values, below SQLite's parameter limit.
    """
    values = sorted({value for value in values if value not in (None, "")})
    if not values:
        return []
    if connection.vendor == "postgresql":
        column = queryset.model._meta.get_field(field).column
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        condition = RawSQL(f"{table}.{connection.ops.quote_name(column)} = ANY(%s)", (values,), BooleanField())
        return list(queryset.filter(condition))
    found = []
    for start in range(0, len(values), IN_CHUNK):
        found.extend(queryset.filter(**{f"{field}__in": values[start : start + IN_CHUNK]}))
    return found


def code_variants(column: list | None) -> set[str]:
    """Return the codes of a column as written and normalised (``core.codes``), to find stored codes of either case."""
    codes = codes_in(column)
    return codes | {normalise_code(code) for code in codes}


def codes_in(column: list | None) -> set[str]:
    """Return the stripped codes written in one column of the file (None: the column is not in the file)."""
    if column is None:
        return set()
    return {text for text in _texts(column) if text}  # an empty cell (None, spaces) gives ""


def one_year_after(day: datetime.date) -> datetime.date:
    """Return the same day a year later (29 February gives 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@functools.lru_cache(maxsize=65536)
def _word(word: str) -> tuple[tuple[str, str], str]:
    """Return a name word's sort letters and tones, and its folded form: words repeat far more than names."""
    return _letters_and_tones(word), fold(word)


def _part_key(part: str) -> str:
    words = [_word(word)[0] for word in part.split(" ") if word]
    return "0".join(w[0] for w in words) + "0" + "".join(w[1] for w in words)


@functools.lru_cache(maxsize=65536)
def name_keys(full_name: str) -> tuple[str, str, str, str, str]:
    """Return (family, middle, given, sort key, folded name) of a full name (single spaces), remembered.

    The same values as ``Person.refresh_name_keys`` (``split_name``, ``name_sort_key``, ``fold``; a test
    holds them equal), computed from remembered words: the Vietnamese sort key is the costly part of
    preparing a person, and a file of 50,000 persons has a few hundred distinct name words.
    """
    family, middle, given = split_name(full_name)
    sort_key = "0".join(_part_key(part) for part in (given, family, middle))[:255]
    folded = " ".join(folded for word in full_name.split(" ") if (folded := _word(word)[1]))
    return family, middle, given, sort_key, folded


def fold_code(code: str) -> str:
    """Return ``fold(code)``, without the Unicode work for the usual ASCII code."""
    return " ".join(code.split()).lower() if code.isascii() else fold(code)


def prepare_person_fast(person: Person) -> Person:
    """Fill a person's derived name fields as ``personnel.services.prepare_person`` does, with ``name_keys``."""
    person.full_name = " ".join(person.full_name.split())
    family, middle, given, sort_key, folded = name_keys(person.full_name)
    person.family_name, person.middle_name, person.given_name, person.sort_key = family, middle, given, sort_key
    person.search_text = f"{folded} {fold_code(person.code)}"
    return person


def _texts(column: list) -> list[str]:
    """Return the cells of a column as the user sees them, stripped."""
    return [cell.strip() if cell.__class__ is str else cells.display(cell).strip() for cell in column]


class DeferredField(Field):
    """A column held on the side (``_import_<attribute>``) until ``write`` resolves it (a parent code, types)."""


class GrantField(Field):
    """``Cấp trình độ``: one cell, two model fields (``grants_kind``, ``grants_level``)."""


class TemplateResource(resources.ModelResource):
    """The shared machinery of the six template resources (see the module docstring)."""

    kind: ClassVar[str]
    # Resource field names: the natural key, and the columns a file must have.
    key_fields: ClassVar[tuple[str, ...]]
    required: ClassVar[tuple[str, ...]]
    # Resource field name -> record attributes it sets, when not the model field of the same name.
    compared: ClassVar[dict[str, tuple[str, ...]]] = {}
    # A column shown next to the key in a preview (a name, a title).
    label_field: ClassVar[str | None] = None

    class Meta:
        """Each template's model and columns. django-import-export's row loop never runs (``check`` reads a
        file column by column), so none of its import options (transactions, skipping unchanged rows) apply."""

    def __init__(self, *, history_reason: str = "import", user=None, scope_path: str | None = None):
        super().__init__()
        self.history_reason = history_reason
        self.user = user if getattr(user, "pk", None) else None
        # The path of the importer's top unit, or None when they may import for the whole city.
        self.scope_path = scope_path
        self.existing: dict = {}
        self.lines: list[int] = []

    # -- columns --------------------------------------------------------------------------------

    @classmethod
    def column_names(cls) -> dict[str, str]:
        """Return {field name: header as in the template}, in template order."""
        return {name: field.column_name for name, field in cls.fields.items()}

    @classmethod
    def match_headers(cls, headers: list[str]) -> tuple[dict[int, str], list[tuple]]:
        """Return {position in the file: template header} and the errors (unknown, repeated or missing columns).

        The reasons column of a failed-rows file (``REASON_HEADERS``) is ignored: the file, once fixed, is
        uploaded again as it is.
        """
        by_key = {fold_key(column): column for column in cls.column_names().values()}
        reason_keys = {fold_key(str(header)) for header in REASON_HEADERS}
        mapping, errors, seen = {}, [], {}
        for position, header in enumerate(headers):
            column = by_key.get(fold_key(header))
            if header and fold_key(header) in reason_keys:
                continue
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

    @functools.cached_property
    def targets(self) -> dict[str, tuple[str, ...]]:
        """Return {field name: record attributes it sets} (a foreign key sets its ``_id``)."""
        model_fields = {field.name: field for field in self._meta.model._meta.concrete_fields}
        found = {}
        for name, field in self.fields.items():
            if name in self.compared:
                found[name] = self.compared[name]
            elif field.attribute in model_fields:
                found[name] = (model_fields[field.attribute].attname,)
        return found

    @functools.cached_property
    def foreign_keys(self) -> set[str]:
        """Return the field names whose widget gives a record (stored as its id)."""
        model_fields = {field.name: field for field in self._meta.model._meta.concrete_fields}
        return {
            name
            for name, field in self.fields.items()
            if isinstance(model_fields.get(field.attribute), ForeignKey) and name not in self.compared
        }

    def attributes(self, name: str, value) -> tuple:
        """Return the record attributes a parsed cell sets, in the order of ``targets``."""
        if name in self.foreign_keys:
            return (None if value is None else value.pk,)
        if len(self.targets[name]) == 1:
            return (value,)
        return tuple(value)

    # -- reading a file -------------------------------------------------------------------------

    def check(self, table, mapping: dict[int, str], *, on_progress: Callable[[int, int], None] | None = None):
        """Read every row of the file: parse, check, find the stored record and compare (nothing is written)."""
        count = len(table.rows)
        self.lines = table.lines
        by_column = {field.column_name: name for name, field in self.fields.items()}
        position = {by_column[column]: index for index, column in mapping.items()}
        self.present = [name for name in self.fields if name in position]
        self.raw: dict[str, list] = {}
        columns = list(zip(*table.rows, strict=True))  # the file, column by column
        for name in self.fields:
            if name in position:
                self.raw[name] = list(columns[position[name]])
            elif name in self.key_fields:
                self.raw[name] = [""] * count  # an optional key column left out is empty on every row
        self.values: dict[str, list] = {name: [None] * count for name in self.raw}
        self.errors: dict[int, dict[str, str]] = {}
        self.records: list = [None] * count
        self.status: list[str] = [""] * count
        self.changed: list[list[str]] = [[]] * count
        self._first_of_key: dict[tuple, int] = {}
        self._memo: dict[str, dict] = {}
        self._bad: dict[str, dict] = {}
        self.prefetch(self.raw)
        compared = [name for name in self.present if name in self.targets]
        for start in range(0, count, ROWS_PER_STEP):
            stop = min(count, start + ROWS_PER_STEP)
            for name in self.raw:
                self.parse_column(name, start, stop)
            for index in range(start, stop):
                self._check_one(index)
            self._compare(compared, start, stop)
            if on_progress is not None:
                on_progress(stop, count)
        # A new or changed row that would change an approved year's figures is refused, row by row.
        from approvals.imports import check_locked_rows

        check_locked_rows(self)

    def parse_column(self, name: str, start: int, stop: int) -> None:
        """Parse rows ``start:stop`` of one column, calling the widget once per distinct cell value."""
        self._parse_keyed(name, start, stop, self.raw[name][start:stop], self.fields[name].widget.clean)

    def _parse_keyed(self, name: str, start: int, stop: int, cells_: list, clean, keys: list | None = None) -> None:
        """Parse cells, remembering each key's result (the key is the cell unless ``keys`` are given)."""
        memo, bad = self._memo.setdefault(name, {}), self._bad.setdefault(name, {})
        if keys is None:
            if set(map(type, cells_)) <= {str}:
                keys = cells_  # a CSV column: the text is the key
            else:
                # True == 1 == 1.0 in a dictionary: a cell of another type than text keeps its type in the key.
                keys = [cell if cell.__class__ is str else (cell.__class__, cell) for cell in cells_]
        for key, cell in dict(zip(keys, cells_, strict=True)).items():
            if key not in memo:
                try:
                    memo[key] = clean(cell)
                except ValueError as error:
                    memo[key] = None
                    bad[key] = str(error)
        self.values[name][start:stop] = list(map(memo.__getitem__, keys))
        if bad:
            errors = self.errors
            for offset, key in enumerate(keys):
                if key in bad:
                    errors.setdefault(start + offset, {})[name] = bad[key]

    def _check_one(self, index: int) -> None:
        errors = self.errors.get(index)
        key = None
        if errors is None or not any(name in errors for name in self.key_fields):
            key = tuple(self.key_value(name, self.values[name][index]) for name in self.key_fields)
        record = None
        if key is not None:
            first = self._first_of_key.setdefault(key, index)
            if first != index:
                self.add_error(
                    index, self.key_fields[0], _("Trùng khóa với dòng %(line)s của tệp.") % {"line": self.lines[first]}
                )
            record = self.existing.get(key)
        self.records[index] = record
        self.check_row(index, record)
        if self.scope_path is not None:
            self.check_scope(index, record)

    def _compare(self, compared: list[str], start: int, stop: int) -> None:
        # (name, parsed column, stored attribute(s), how to compare): the hot loop of a re-import.
        plans = []
        for name in compared:
            attributes = self.targets[name]
            how = 1 if name in self.foreign_keys else (0 if len(attributes) == 1 else 2)
            plans.append((name, self.values[name], attributes[0] if how < 2 else attributes, how))
        records, errors, status, changes = self.records, self.errors, self.status, self.changed
        for index in range(start, stop):
            if index in errors:
                status[index] = "error"
                continue
            record = records[index]
            if record is None:
                status[index] = "new"
                continue
            changed = []
            for name, column, attribute, how in plans:
                new = column[index]
                if how == 0:
                    same = new == record[attribute]
                elif how == 1:
                    same = (None if new is None else new.pk) == record[attribute]
                else:
                    same = tuple(new) == tuple(record[part] for part in attribute)
                if not same:
                    changed.append(name)
            status[index] = "updated" if changed else "unchanged"
            changes[index] = changed

    def key_value(self, name: str, value):
        """Return a key part as stored (a record becomes its id)."""
        return getattr(value, "pk", value)

    def value(self, name: str, index: int):
        """Return a parsed cell (None when the column is not in the file or the cell has an error)."""
        column = self.values.get(name)
        return None if column is None else column[index]

    def effective(self, name: str, index: int, record):
        """Return the value a record will have: the file's cell, or the stored value when the column is left out."""
        if name in self.values:
            return self.values[name][index]
        if record is not None and len(self.targets.get(name, ())) == 1:
            return record[self.targets[name][0]]
        return None

    def has_error(self, index: int, name: str) -> bool:
        return name in self.errors.get(index, ())

    def add_error(self, index: int, name: str, message: str) -> None:
        """Record an error on a cell of a row, unless that cell already has one."""
        self.errors.setdefault(index, {}).setdefault(name, message)

    def prefetch(self, raw: dict[str, list]) -> None:
        """Fill the lookups and ``self.existing`` ({natural key: stored record as a dict}) in a few queries."""
        raise NotImplementedError

    def check_row(self, index: int, record) -> None:
        """Add the errors of rules that span several cells of a row (``add_error``)."""

    def check_scope(self, index: int, record) -> None:
        """Add an error when the row reaches outside the importer's units."""

    def in_scope(self, path: str | None) -> bool:
        return self.scope_path is not None and path is not None and path.startswith(self.scope_path)

    def stored_fields(self) -> list[str]:
        """Return the attributes fetched for a stored record: every concrete field."""
        return [field.attname for field in self._meta.model._meta.concrete_fields]

    # -- what a preview shows -------------------------------------------------------------------

    def row_keys(self) -> list[str]:
        """Return the natural key of each row as written ("P001 · ngoai_ngu · B1")."""
        columns = [_texts(self.raw[name]) for name in self.key_fields]
        if len(columns) == 1:
            return columns[0]
        return [" · ".join(part for part in parts if part) for parts in zip(*columns, strict=True)]

    def row_labels(self) -> list[str]:
        """Return the name or title of each row (empty when the template has none)."""
        if self.label_field is None or self.label_field not in self.raw:
            return [""] * len(self.lines)
        return _texts(self.raw[self.label_field])

    def changes(self, index: int) -> list[tuple[str, str, str]]:
        """Return [(column, stored value, value in the file)] of an updated row, as a reader would write them."""
        record = self.records[index]
        found = []
        for name in self.changed[index]:
            before = tuple(record[attr] for attr in self.targets[name])
            after = self.attributes(name, self.values[name][index])
            found.append((self.fields[name].column_name, self.render(name, before), self.render(name, after)))
        return found

    def render(self, name: str, value: tuple) -> str:
        """Return record attributes of a column as text (a label for a code, dd/mm/yyyy for a date)."""
        widget = self.fields[name].widget
        single = value[0] if len(value) == 1 else value
        if single is None or single == "":
            return ""
        if isinstance(widget, YesNoWidget):
            return _("Có") if single else _("Không")
        if isinstance(widget, LevelWidget) and widget.kind:
            return level_label(widget.kind, single)
        if isinstance(widget, ChoiceWidget):
            labels = dict(widget.codes._pairs())
            return str(labels.get(single, single))
        if isinstance(single, datetime.date):
            return single.strftime("%d/%m/%Y")
        return str(single)

    # -- writing --------------------------------------------------------------------------------

    def history_options(self) -> dict:
        """Return who, why and when, for every history row this import writes."""
        if not hasattr(self, "_history_date"):
            self._history_date = timezone.now()
        return {"user": self.user, "reason": self.history_reason, "date": self._history_date}

    def new_attributes(self, indexes: list[int]) -> list[dict]:
        """Return the attributes the file gives each new record (rows ``indexes``), built column by column."""
        names, columns = [], []
        for name in self.present:
            if name not in self.targets:
                continue
            column = self.values[name]
            parsed = [column[index] for index in indexes]
            targets = self.targets[name]
            if name in self.foreign_keys:
                names.append(targets[0])
                columns.append([None if value is None else value.pk for value in parsed])
            elif len(targets) == 1:
                names.append(targets[0])
                columns.append(parsed)
            else:
                for position, target in enumerate(targets):
                    names.append(target)
                    columns.append([value[position] for value in parsed])
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)] if columns else []

    def build(self) -> tuple[list, list]:
        """Return the records to insert and the changed records (with ``_import_changed``), from a checked file."""
        model = self._meta.model
        new_indexes = [index for index, status in enumerate(self.status) if status == "new"]
        changed_rows = []
        for index, status in enumerate(self.status):
            if status == "updated":
                attributes = dict(self.records[index])
                for name in self.changed[index]:
                    after = self.attributes(name, self.values[name][index])
                    attributes.update(zip(self.targets[name], after, strict=True))
                attributes["_import_changed"] = self.changed[index]
                changed_rows.append(attributes)
        created = new_instances(model, self.new_attributes(new_indexes), adding=True)
        updated = new_instances(model, changed_rows, adding=False)
        self.created_instances, self.updated_instances = created, updated
        return created, updated

    def object_ids(self) -> list[int | None]:
        """Return each row's record id once written (new records in file order)."""
        created = iter(self.created_instances)
        ids = []
        for index, status in enumerate(self.status):
            if status == "new":
                ids.append(next(created).pk)
            else:
                record = self.records[index]
                ids.append(None if record is None else record["id"])
        return ids

    def update_fields(self, instances) -> list[str]:
        """Return the model fields to write for changed records: those of the columns that changed (and the version)."""
        names = {name for instance in instances for name in instance._import_changed}
        model_fields = {field.attname: field.name for field in self._meta.model._meta.concrete_fields}
        fields = {model_fields[attr] for name in names for attr in self.targets[name] if attr in model_fields}
        if is_versioned(self._meta.model):
            fields.add("version")
        return sorted(fields)

    def write(self, created: list, updated: list) -> None:
        """Write the new and changed records with their history rows."""
        model = self._meta.model
        create_with_history(model, created, **self.history_options())
        if updated:
            self.claim_versions(updated)
            update_with_history(model, updated, self.update_fields(updated), **self.history_options())

    def claim_versions(self, updated: list) -> None:
        """Lock the changed records, refuse the file if any was saved by someone else since it was read, bump versions.

        ``core.concurrency``: an import updates by natural key, so it takes no version from the file;
        it still checks the versions it read (the rows it compared) and writes each plus one, so that
        an edit form opened before the import is refused.
        """
        if is_versioned(self._meta.model):
            claim_versions(self._meta.model, updated)

    # -- prefetch helpers -----------------------------------------------------------------------

    def persons_by_code(self, raw: dict[str, list], name: str = "person") -> dict[str, Person]:
        """Return {code: person} for the person codes of a column (id, code and unit path only)."""
        persons = in_chunks(
            Person.objects.only("id", "code").annotate(unit_path=F("unit__path")), "code", code_variants(raw.get(name))
        )
        return {normalise_code(person.code): person for person in persons}

    def check_person_scope(self, index: int) -> None:
        person = self.value("person", index)
        if person is not None and not self.in_scope(person.unit_path):
            self.add_error(
                index,
                "person",
                # Another unit's person reads exactly like an unknown code (issue #17: no probing of other units).
                str(PERSON_NOT_FOUND) % {"code": person.code},
            )


PERSON_NOT_FOUND = gettext_lazy("Không có cán bộ mã «%(code)s» (hãy nhập danh sách cán bộ trước).")
UNIT_NOT_FOUND = gettext_lazy("Không có đơn vị mã «%(code)s» (hãy nhập danh sách đơn vị trước).")
CODE_TAKEN = gettext_lazy("Mã cán bộ này đã được dùng cho một người khác.")
CITIZEN_ID_TAKEN = gettext_lazy("Số CCCD này đã có trong hồ sơ của một cán bộ khác.")


def person_lookup() -> LookupWidget:
    """Return the widget of a ``Mã cán bộ`` column that refers to an existing person."""
    return LookupWidget(PERSON_NOT_FOUND)


# ---------------------------------------------------------------------------------------------
# 1. Units — don_vi


class UnitResource(TemplateResource):
    kind = "don_vi"
    key_fields = ("code",)
    required = ("code", "name", "level")
    compared = {"parent": ("_import_parent",), "successors": ("_import_successors",)}
    label_field = "name"

    code = Field(attribute="code", column_name="Mã đơn vị", widget=CodeWidget(40, required=True))
    name = Field(attribute="name", column_name="Tên đơn vị", widget=NameWidget(255))
    parent = DeferredField(attribute="parent", column_name="Mã đơn vị cấp trên", widget=CodeWidget(40))
    level = Field(attribute="level", column_name="Cấp", widget=ChoiceWidget(UnitLevel))
    opened_on = Field(attribute="opened_on", column_name="Ngày thành lập", widget=DateWidget())
    closed_on = Field(attribute="closed_on", column_name="Ngày giải thể", widget=DateWidget())
    successors = DeferredField(attribute="successors", column_name="Đơn vị kế thừa", widget=CodeListWidget())

    class Meta(TemplateResource.Meta):
        model = OrgUnit
        fields = ("code", "name", "parent", "level", "opened_on", "closed_on", "successors")
        import_id_fields = ("code",)

    def prefetch(self, raw):
        units = list(OrgUnit.objects.values(*self.stored_fields()))
        # Codes compare without regard to case (core.codes): every key is the normalised code.
        code_of = {unit["id"]: normalise_code(unit["code"]) for unit in units}
        successors: dict[int, list[str]] = {}
        for link in UnitSuccession.objects.order_by("-is_primary", "order", "pk").values(
            "predecessor_id", "successor_id"
        ):
            successors.setdefault(link["predecessor_id"], []).append(code_of[link["successor_id"]])
        for unit in units:
            unit["_import_parent"] = code_of.get(unit["parent_id"]) or ""
            unit["_import_successors"] = ";".join(successors.get(unit["id"], []))
        self.units = {normalise_code(unit["code"]): unit for unit in units}
        self.existing = {(code,): unit for code, unit in self.units.items()}
        # The tree as it will be after the file: stored parents, replaced by the file's.
        self.parent_of = {code: unit["_import_parent"] for code, unit in self.units.items()}
        self.file_codes = set()
        has_parents = "parent" in raw
        parents = raw["parent"] if has_parents else [""] * len(raw["code"])
        for code, parent in zip(raw["code"], parents, strict=True):
            code = normalise_code(cells.display(code))
            if code:
                self.file_codes.add(code)
                if has_parents or code not in self.parent_of:
                    self.parent_of[code] = normalise_code(cells.display(parent))
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

    def check_row(self, index, record):
        self._check_dates(index, record)
        parent = self.value("parent", index)
        if not parent or self.has_error(index, "parent"):
            return
        code = self.value("code", index)
        if parent not in self.units and parent not in self.file_codes:
            self.add_error(index, "parent", _("Không có đơn vị mã «%(code)s».") % {"code": parent})
        elif code in self.in_cycle:
            self.add_error(index, "parent", _("Đơn vị cấp trên tạo thành vòng lặp (một đơn vị nằm dưới chính nó)."))

    def _check_dates(self, index, record):
        """A closing date after the opening date, and successors (known units) for a closed unit."""
        opened_on = self.effective("opened_on", index, record)
        closed_on = self.effective("closed_on", index, record)
        if opened_on and closed_on and closed_on <= opened_on and not self.has_error(index, "closed_on"):
            self.add_error(index, "closed_on", _("Ngày giải thể phải sau ngày thành lập."))
        successors = self.effective_successors(index, record)
        if closed_on and not successors and not self.has_error(index, "successors"):
            self.add_error(
                index,
                "successors",
                _("Đơn vị giải thể cần ít nhất một đơn vị kế thừa (đơn vị kế thừa chính đứng đầu)."),
            )
        code = self.value("code", index)
        for successor in successors:
            if successor == code:
                self.add_error(index, "successors", _("Đơn vị không thể kế thừa chính nó."))
            elif successor not in self.units and successor not in self.file_codes:
                self.add_error(index, "successors", _("Không có đơn vị mã «%(code)s».") % {"code": successor})

    def effective_successors(self, index, record) -> list[str]:
        if "successors" in self.values:
            text = self.values["successors"][index] or ""
        else:
            text = record["_import_successors"] if record is not None else ""
        return [code for code in text.split(";") if code]

    def check_scope(self, index, record):
        if record is not None and not self.in_scope(record["path"]):
            self.add_error(
                index,
                "code",
                _("Đơn vị mã «%(code)s» nằm ngoài phạm vi quản lý của bạn.") % {"code": record["code"]},
            )
            return
        parent = None  # the parent column left out: a stored unit stays where it is, a new one is a root
        if "parent" in self.values:
            if self.has_error(index, "parent"):
                return
            parent = self.values["parent"][index]
        if record is not None and (parent is None or parent == record["_import_parent"]):
            return
        stored_parent = self.units.get(parent or "")
        if stored_parent is not None and self.in_scope(stored_parent["path"]):
            return
        if stored_parent is None and parent in self.file_codes:
            return  # a new unit of the same file, checked on its own row
        self.add_error(index, "parent", _("Chỉ được đặt đơn vị dưới một đơn vị trong phạm vi quản lý của bạn."))

    def new_attributes(self, indexes):
        return [
            {"_import_parent": "", "_import_successors": ""} | attributes
            for attributes in super().new_attributes(indexes)
        ]

    def write(self, created, updated):
        by_code = {code: unit["id"] for code, unit in self.units.items()}
        pending = list(created)
        # Parents first: a unit is inserted once its parent has an id (a parent may come later in the file).
        while pending:
            ready = [u for u in pending if not u._import_parent or by_code.get(u._import_parent) is not None]
            if not ready:
                raise ValueError("Units form a cycle")
            for unit in ready:
                unit.parent_id = by_code[unit._import_parent] if unit._import_parent else None
            create_with_history(OrgUnit, ready, **self.history_options())
            if any(unit.pk is None for unit in ready):
                raise RuntimeError("The database did not return the ids of the new units")
            by_code.update({normalise_code(unit.code): unit.pk for unit in ready})
            pending = [u for u in pending if u.pk is None]
        for unit in updated:
            unit.parent_id = by_code[unit._import_parent] if unit._import_parent else None
        if updated:
            update_with_history(OrgUnit, updated, self.update_fields(updated), **self.history_options())
        rebuild_unit_paths()
        with_successors = [*created, *[u for u in updated if "successors" in u._import_changed]]
        if any(unit._import_successors for unit in with_successors) or any(
            "successors" in u._import_changed or "closed_on" in u._import_changed for u in updated
        ):
            self._write_successors(with_successors, by_code)
            history.refresh_heirs()  # who inherits whom changed

    def _write_successors(self, units: list, by_code: dict[str, int]) -> None:
        """Replace the successors of the units whose column was given: the first code is the primary one."""
        units = [unit for unit in units if "successors" in self.present]
        if not units:
            return
        UnitSuccession.objects.filter(predecessor_id__in=[unit.pk for unit in units]).delete()
        links = [
            UnitSuccession(predecessor_id=unit.pk, successor_id=by_code[code], is_primary=order == 0, order=order)
            for unit in units
            for order, code in enumerate(c for c in (unit._import_successors or "").split(";") if c)
        ]
        UnitSuccession.objects.bulk_create(links, batch_size=WRITE_BATCH)

    def update_fields(self, instances):
        fields = set(super().update_fields(instances)) - {"successors"}
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
    label_field = "full_name"

    code = Field(attribute="code", column_name="Mã cán bộ", widget=CodeWidget(40, required=True))
    full_name = Field(attribute="full_name", column_name="Họ và tên", widget=NameWidget(255))
    birth_date = Field(attribute="birth_date", column_name="Ngày sinh", widget=DateWidget(required=True))
    gender = Field(attribute="gender", column_name="Giới tính", widget=ChoiceWidget(Gender, required=False, empty=""))
    citizen_id = Field(attribute="citizen_id", column_name="Số CCCD", widget=CitizenIdWidget())
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=LookupWidget(UNIT_NOT_FOUND),
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

    def prefetch(self, raw):
        units = list(OrgUnit.objects.only("id", "code", "name", "path", "opened_on", "closed_on"))
        self.fields["unit"].widget.lookup = {normalise_code(unit.code): unit for unit in units}
        self.unit_path = {unit.pk: unit.path for unit in units}
        self.unit_code = {unit.pk: unit.code for unit in units}
        persons = in_chunks(Person.objects.values(*self.stored_fields()), "code", code_variants(raw["code"]))
        self.existing = {(normalise_code(person["code"]),): person for person in persons}
        citizen_ids = {c for c in codes_in(raw.get("citizen_id")) if len(c) == 12}
        holders = in_chunks(Person.objects.values_list("citizen_id", "code", "unit__path"), "citizen_id", citizen_ids)
        self.citizen_id_holder = {citizen_id: code for citizen_id, code, _path in holders}
        self.citizen_id_holder_path = {citizen_id: path for citizen_id, _code, path in holders}
        self.citizen_id_line: dict[str, int] = {}
        # Persons with an assignment history: another unit, category or leadership level is a transfer today.
        counted = in_chunks(
            Assignment.objects.order_by().values("person_id").annotate(n=Count("id")).values_list("person_id", "n"),
            "person_id",
            [person["id"] for person in persons],
        )
        self.with_history = {pk for pk, n in counted if n > 1}
        self.today = timezone.localdate()

    def changes(self, index):
        """Return the changed columns, and the transfer dated today that they make for a person with a history
        (organisation-history.md, section 3)."""
        found = super().changes(index)
        record = self.records[index]
        moved = {"unit", "category", "leadership_level"} & set(self.changed[index])
        end = self.effective("end_date", index, record)
        if moved and record["id"] in self.with_history and (end is None or end > self.today):
            when = f"{self.today:%d/%m/%Y}"
            found.append((_("Quá trình công tác"), "", _("chuyển công tác từ hôm nay (%(date)s)") % {"date": when}))
        return found

    def check_row(self, index, record):
        end = self.effective("end_date", index, record)
        unit = self.value("unit", index)
        if unit is not None and not self.has_error(index, "end_date"):
            error = history.closed_unit_error(unit, None, end, check_opening=False)
            if error:
                self.add_error(index, "unit", error)
        if end is not None:
            start = self.effective("start_date", index, record)
            if start and end < start and not self.has_error(index, "end_date"):
                self.add_error(index, "end_date", _("Ngày thôi việc trước ngày bắt đầu công tác."))
        citizen_ids = self.values.get("citizen_id")
        citizen_id = citizen_ids[index] if citizen_ids is not None else None
        if citizen_id:
            line = self.lines[index]
            holder = self.citizen_id_holder.get(citizen_id)
            first_line = self.citizen_id_line.setdefault(citizen_id, line)
            code = self.values["code"][index]
            if holder is not None and holder != code:
                if self.scope_path is None or self.in_scope(self.citizen_id_holder_path.get(citizen_id)):
                    message = _("Số CCCD này đã thuộc cán bộ mã «%(code)s».") % {"code": holder}
                else:  # the holder is not the importer's to see: do not name them
                    message = str(CITIZEN_ID_TAKEN)
                self.add_error(index, "citizen_id", message)
            elif first_line != line:
                self.add_error(
                    index, "citizen_id", _("Số CCCD trùng với dòng %(line)s của tệp.") % {"line": first_line}
                )

    def check_scope(self, index, record):
        if record is not None and not self.in_scope(self.unit_path.get(record["unit_id"])):
            # The code is taken by a person the importer may not see: refused as the form refuses it, unnamed.
            self.add_error(index, "code", str(CODE_TAKEN))
        unit = self.value("unit", index)
        if unit is not None and not self.in_scope(unit.path):
            self.add_error(index, "unit", str(UNIT_NOT_FOUND) % {"code": unit.code})

    def render(self, name, value):
        if name == "unit":
            return self.unit_code.get(value[0], "")
        return super().render(name, value)

    def build(self):
        created, updated = super().build()
        for person in created:
            prepare_person_fast(person)
        now = timezone.now()
        for person in updated:
            if "full_name" in person._import_changed or "code" in person._import_changed:
                prepare_person_fast(person)
            person.updated_at = now  # bulk writes do not fill auto_now fields
        return created, updated

    def update_fields(self, instances):
        fields = set(super().update_fields(instances))
        if "full_name" in fields or "code" in fields:
            fields.update(["family_name", "middle_name", "given_name", "sort_key", "search_text"])
        return sorted(fields | {"updated_at"})

    def write(self, created, updated):
        """Write the persons, then bring their assignments in line with their rows (a row naming another
        unit for someone with a history is a transfer dated today: organisation-history.md, section 3).

        A new person has no history: their one assignment is computed before they are written
        (``history.first_assignments``) and copied in bulk, nothing read back; a changed person goes through
        ``history.sync_person_assignments``.
        """
        units = {unit.pk: unit for unit in self.fields["unit"].widget.lookup.values()}
        placed = history.first_assignments(created, units, today=self.today)
        super().write(created, updated)
        if created:
            insert_columns(
                Assignment,
                {
                    "person_id": [person.pk for person in created],
                    "unit_id": [person.unit_id for person in created],
                    "category": [stretch.category for stretch, _heir in placed],
                    "leadership_level": [stretch.leadership_level for stretch, _heir in placed],
                    "position_title": [stretch.position_title for stretch, _heir in placed],
                    "start_date": [stretch.start_date for stretch, _heir in placed],
                    "end_date": [stretch.end_date for stretch, _heir in placed],
                    "heir_unit_id": [heir for _stretch, heir in placed],
                },
                job_position_id=None,
            )
            history.mark_heirs_computed(self.today)
        history.sync_person_assignments([person.pk for person in updated])


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


class CourseResource(TemplateResource):
    kind = "khoa_hoc"
    key_fields = ("code",)
    required = ("code", "title", "types", "start_date", "end_date")
    compared = {"types": ("_import_types",), "grants": ("grants_kind", "grants_level")}
    label_field = "title"

    code = Field(attribute="code", column_name="Mã khóa học", widget=CodeWidget(60, required=True))
    title = Field(attribute="title", column_name="Tên khóa học", widget=NameWidget(255))
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

    def prefetch(self, raw):
        self.fields["types"].widget.codes = cells.CodeList(list(CourseType.objects.values_list("code", "name")))
        courses = in_chunks(Course.objects.values(*self.stored_fields()), "code", code_variants(raw["code"]))
        types_of: dict[int, set] = {}
        links = in_chunks(
            Course.types.through.objects.values_list("course_id", "coursetype_id"),
            "course_id",
            (course["id"] for course in courses),
        )
        for course_id, type_code in links:
            types_of.setdefault(course_id, set()).add(type_code)
        for course in courses:
            course["_import_types"] = frozenset(types_of.get(course["id"], ()))
        self.existing = {(normalise_code(course["code"]),): course for course in courses}
        # accounts.scoping: a scoped importer changes only the courses their subtree runs, and not what records
        # of other units' persons mean; new courses are run by the importer's unit (no unit, i.e. the whole city,
        # for a city-wide import).
        self.course_unit_path: dict[int, str] = {}
        self.shared_courses: set[int] = set()
        self.new_course_unit_id = None
        if self.scope_path is not None:
            self.new_course_unit_id = getattr(scope_unit(self.user), "pk", None)
            unit_ids = {course["unit_id"] for course in courses if course["unit_id"]}
            self.course_unit_path = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
            self.shared_courses = set(
                TrainingRecord.objects.filter(course_id__in=[course["id"] for course in courses])
                .exclude(person__unit__path__startswith=self.scope_path)
                .values_list("course_id", flat=True)
                .distinct()
            )

    def new_attributes(self, indexes):
        owner = {"_import_types": frozenset(), "unit_id": self.new_course_unit_id}
        return [owner | attributes for attributes in super().new_attributes(indexes)]

    def _compare(self, compared, start, stop):
        super()._compare(compared, start, stop)
        if self.scope_path is None:
            return
        for index in range(start, stop):
            if self.status[index] != "updated":
                continue
            record = self.records[index]
            if not self.in_scope(self.course_unit_path.get(record["unit_id"])):
                message = _("Khóa học mã «%(code)s» do đơn vị khác tổ chức; bạn không được sửa.")
                self.add_error(index, "code", message % {"code": record["code"]})
            elif record["id"] in self.shared_courses and set(self.changed[index]) & COURSE_MEANING_COLUMNS:
                self.add_error(index, "code", shared_course_message())
            else:
                continue
            self.status[index] = "error"

    def check_row(self, index, record):
        start, end = self.value("start_date", index), self.value("end_date", index)
        if start and end and end < start:
            self.add_error(index, "end_date", _("Ngày kết thúc trước ngày bắt đầu."))

    def render(self, name, value):
        if name == "types":
            return "; ".join(sorted(value[0]))
        if name == "grants":
            kind, level = value
            return f"{kind}:{level_label(kind, level)}" if kind else ""
        return super().render(name, value)

    def update_fields(self, instances):
        return [name for name in super().update_fields(instances) if name != "types"]

    def write(self, created, updated):
        """Write courses, their types and their history (with the types as of the change) in bulk."""
        through = Course.types.through
        Course.objects.bulk_create(created, batch_size=WRITE_BATCH)
        self.claim_versions(updated)
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
        record_type_history(history)


def record_type_history(history: list) -> None:
    """Record, with each course history row, the course's types at that moment (simple-history's m2m rows)."""
    through = Course.types.through
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

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        courses = in_chunks(
            Course.objects.only("id", "code", "start_date", "end_date"), "code", code_variants(raw.get("course"))
        )
        self.fields["person"].widget.lookup = persons
        self.fields["course"].widget.lookup = {normalise_code(course.code): course for course in courses}
        course_ids = {course.pk for course in courses}
        stored = in_chunks(
            TrainingRecord.objects.filter(course_id__in=course_ids).values(*self.stored_fields()),
            "person_id",
            (p.pk for p in persons.values()),
        )
        self.existing = {(record["person_id"], record["course_id"]): record for record in stored}
        self.today = timezone.localdate()

    def check_row(self, index, record):
        """Apply the completion-date rules of data-exchange, section 5."""
        if self.has_error(index, "completed_on"):
            return
        course = self.value("course", index)
        completed_on = self.effective("completed_on", index, record)
        result = self.value("result", index)
        if completed_on and result and result != TrainingResult.COMPLETED:
            self.add_error(index, "completed_on", _("Chỉ ghi ngày hoàn thành khi kết quả là «Hoàn thành»."))
        elif completed_on and completed_on > self.today:
            self.add_error(index, "completed_on", _("Ngày hoàn thành ở tương lai."))
        elif completed_on and course and completed_on < course.start_date:
            self.add_error(
                index,
                "completed_on",
                _("Ngày hoàn thành trước ngày bắt đầu khóa học (%(date)s).")
                % {"date": f"{course.start_date:%d/%m/%Y}"},
            )
        elif completed_on and course and completed_on > one_year_after(course.end_date):
            self.add_error(
                index,
                "completed_on",
                _("Ngày hoàn thành muộn hơn một năm sau ngày kết thúc khóa học (%(date)s).")
                % {"date": f"{course.end_date:%d/%m/%Y}"},
            )
        elif not completed_on and result == TrainingResult.COMPLETED and course and course.end_date > self.today:
            # The completion date defaults to the course's end date, which is still to come.
            self.add_error(
                index,
                "completed_on",
                _("Khóa học kết thúc ngày %(date)s, sau hôm nay: ghi ngày hoàn thành hoặc chờ khóa học kết thúc.")
                % {"date": f"{course.end_date:%d/%m/%Y}"},
            )

    def check_scope(self, index, record):
        self.check_person_scope(index)


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

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        self.fields["person"].widget.lookup = persons
        stored = in_chunks(
            Appointment.objects.values(*self.stored_fields()), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(a["person_id"], a["kind"], a["appointed_on"]): a for a in stored}

    def check_scope(self, index, record):
        self.check_person_scope(index)


# ---------------------------------------------------------------------------------------------
# 6b. Assignments — qua_trinh_cong_tac


class AssignmentResource(TemplateResource):
    """A person's whole history: the file's rows for a person replace their assignments (all or nothing)."""

    kind = "qua_trinh_cong_tac"
    key_fields = ("person", "start_date")
    required = ("person", "unit", "category")

    person = Field(attribute="person", column_name="Mã cán bộ", widget=person_lookup())
    unit = Field(
        attribute="unit",
        column_name="Mã đơn vị",
        widget=LookupWidget(gettext_lazy("Không có đơn vị mã «%(code)s» (hãy nhập danh sách đơn vị trước).")),
    )
    category = Field(attribute="category", column_name="Đối tượng", widget=ChoiceWidget(Category))
    leadership_level = Field(
        attribute="leadership_level",
        column_name="Cấp chức vụ",
        widget=LeadershipLevelWidget(LeadershipLevel, required=False, empty=LeadershipLevel.NONE),
    )
    position_title = Field(
        attribute="position_title", column_name="Chức vụ", widget=TextWidget(255, single_spaces=True)
    )
    start_date = Field(attribute="start_date", column_name="Từ ngày", widget=DateWidget())
    end_date = Field(attribute="end_date", column_name="Đến ngày", widget=DateWidget())

    class Meta(TemplateResource.Meta):
        model = Assignment
        fields = ("person", "unit", "category", "leadership_level", "position_title", "start_date", "end_date")
        import_id_fields = ("person", "start_date")

    def prefetch(self, raw):
        persons = self.persons_by_code(raw)
        self.fields["person"].widget.lookup = persons
        units = list(OrgUnit.objects.only("id", "code", "name", "path", "opened_on", "closed_on"))
        self.fields["unit"].widget.lookup = {normalise_code(unit.code): unit for unit in units}
        self.unit_code = {unit.pk: unit.code for unit in units}
        stored = in_chunks(
            Assignment.objects.values(*self.stored_fields()), "person_id", (p.pk for p in persons.values())
        )
        self.existing = {(a["person_id"], a["start_date"]): a for a in stored}

    def stored_fields(self):
        return [name for name in super().stored_fields() if name != "heir_unit_id"]

    def check(self, table, mapping, *, on_progress=None):
        """Check each row, then each person's rows together: no overlap (organisation-history.md, section 3)."""
        super().check(table, mapping, on_progress=on_progress)
        rows_of: dict[int, list[int]] = {}
        for index, person in enumerate(self.values.get("person", [])):
            if person is not None:
                rows_of.setdefault(person.pk, []).append(index)
        for indexes in rows_of.values():
            stretches = []
            for index in indexes:
                unit = self.value("unit", index)
                if unit is None or self.has_error(index, "start_date") or self.has_error(index, "end_date"):
                    continue
                stretch = history.Stretch(
                    unit=unit,
                    category="",
                    start_date=self.value("start_date", index),
                    end_date=self.value("end_date", index),
                    label=str(index),
                )
                stretches.append(stretch)
            for stretch, reason in history.check_stretches(stretches):
                index = int(stretch.label)
                self.add_error(index, "end_date" if "kết thúc" in reason else "unit", reason)
                self.status[index] = "error"

    def check_scope(self, index, record):
        self.check_person_scope(index)
        unit = self.value("unit", index)
        if unit is not None and not self.in_scope(unit.path):
            self.add_error(
                index, "unit", _("Đơn vị mã «%(code)s» nằm ngoài phạm vi quản lý của bạn.") % {"code": unit.code}
            )

    def render(self, name, value):
        if name == "unit":
            return self.unit_code.get(value[0], "")
        return super().render(name, value)

    def write(self, created, updated):
        """Delete the persons' assignments the file does not list, write the file's, and bring the persons'
        rows and heir units in line."""
        person_ids = sorted({p.pk for p in self.values["person"] if p is not None})
        kept = {record["id"] for record in self.records if record is not None}
        gone = [a for a in in_chunks(Assignment.objects.all(), "person_id", person_ids) if a.pk not in kept]
        if gone:
            record_deletions(Assignment, gone, **self.history_options())
            Assignment.objects.filter(pk__in=[a.pk for a in gone]).delete()
        super().write(created, updated)
        history.sync_persons(person_ids)
        history.refresh_heirs(person_ids=person_ids)


RESOURCES: dict[str, type[TemplateResource]] = {
    resource.kind: resource
    for resource in (
        UnitResource,
        PersonResource,
        QualificationResource,
        CourseResource,
        TrainingRecordResource,
        AppointmentResource,
        AssignmentResource,
    )
}

# Columns in template order (Meta.fields): the library puts declared fields that are not model fields last.
for _resource in RESOURCES.values():
    if set(_resource.fields) != set(_resource._meta.fields):
        raise TypeError(f"{_resource.__name__}: Meta.fields must list every column of the template")
    _resource.fields = type(_resource.fields)((name, _resource.fields[name]) for name in _resource._meta.fields)
