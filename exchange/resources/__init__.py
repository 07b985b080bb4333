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

from .base import (
    IN_CHUNK,
    PERSON_NOT_FOUND,
    REASON_HEADERS,
    ROWS_PER_STEP,
    UNIT_NOT_FOUND,
    DeferredField,
    GrantField,
    TemplateResource,
    code_variants,
    codes_in,
    in_chunks,
    person_lookup,
)
from .history import AppointmentResource, AssignmentResource
from .persons import DeputyTermWidget, PersonResource
from .qualifications import QualificationResource, RowLevelWidget
from .training import (
    COURSE_MEANING_COLUMNS,
    CourseResource,
    CourseTypesWidget,
    GrantWidget,
    TrainingRecordResource,
    record_type_history,
)
from .units import UnitResource

__all__ = [
    "COURSE_MEANING_COLUMNS",
    "IN_CHUNK",
    "PERSON_NOT_FOUND",
    "REASON_HEADERS",
    "RESOURCES",
    "ROWS_PER_STEP",
    "UNIT_NOT_FOUND",
    "AppointmentResource",
    "AssignmentResource",
    "CourseResource",
    "CourseTypesWidget",
    "DeferredField",
    "DeputyTermWidget",
    "GrantField",
    "GrantWidget",
    "PersonResource",
    "QualificationResource",
    "RowLevelWidget",
    "TemplateResource",
    "TrainingRecordResource",
    "UnitResource",
    "code_variants",
    "codes_in",
    "in_chunks",
    "person_lookup",
    "record_type_history",
]

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
