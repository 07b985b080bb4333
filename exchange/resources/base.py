"""The shared machinery of the template resources: how a file is read column by column, checked, compared
and written (see the package docstring).
"""

import datetime
import functools
from collections.abc import Callable, Iterable
from typing import ClassVar

from django.db import connection
from django.db.models import BooleanField, F, ForeignKey
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field

from approvals.imports import check_locked_rows
from core.codes import normalise_code
from core.concurrency import claim_versions, is_versioned
from core.text import fold_key
from personnel.models import Person
from personnel.qualifications import level_label

from .. import cells
from ..bulk import create_with_history, new_instances, update_with_history
from ..models import ImportKind
from ..widgets import ChoiceWidget, LevelWidget, LookupWidget, YesNoWidget

IN_CHUNK = 5000  # codes per "IN (…)" lookup: below every database's parameter limit
ROWS_PER_STEP = 5000  # rows checked between two progress reports


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


def person_lookup() -> LookupWidget:
    """Return the widget of a ``Mã cán bộ`` column that refers to an existing person."""
    return LookupWidget(PERSON_NOT_FOUND)
