"""Undo a load: delete the records it created, restore the records it changed to their previous version.

A load's records are found by their history rows (``history_change_reason = "import:<batch id>"``). The
undo is refused, with the list of records, when any of them has a history row after the load's (it was
changed or deleted since: undoing would silently lose that change), when a changed record has no earlier
version to go back to, or when a record to delete is still referred to by data the load did not create
(a person's training records, a unit's persons or users, a course's results). Everything happens in one
transaction and is written in history with the reason ``undo:<batch id>``; the batch becomes "undone".
"""

from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.concurrency import StaleRecords, claim_versions, is_versioned
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification
from personnel.services import prepare_person, rebuild_unit_paths
from training.models import Course, TrainingRecord

from .bulk import WRITE_BATCH, delete_rows, history_rows, new_instances, record_deletions, update_with_history
from .errors import ImportRefused
from .models import ImportBatch, ImportStatus
from .resources import in_chunks, record_type_history

MODEL_OF_KIND = {
    "don_vi": OrgUnit,
    "nhan_su": Person,
    "van_bang": Qualification,
    "khoa_hoc": Course,
    "ket_qua": TrainingRecord,
    "bo_nhiem": Appointment,
    "qua_trinh_cong_tac": Assignment,
}
LISTED = 20  # records named in a refusal; the rest are counted
# Rows that belong to a record and go with it: a person's assignments (made from their personnel row).
OWNED = {(Person, Assignment)}


class UndoRefused(ImportRefused):
    """The load cannot be undone; ``details`` lists the records in the way."""

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


@dataclass
class UndoResult:
    deleted: int
    restored: int


def undo_batch(*, batch: ImportBatch, user) -> UndoResult:
    """Undo an applied load in one transaction; raise UndoRefused (nothing changed) when it cannot be."""
    try:
        with transaction.atomic():
            return _undo(batch, user)
    except DatabaseError as error:
        raise UndoRefused(_("Không hoàn tác được: %(error)s") % {"error": error}) from None
    except StaleRecords as error:
        raise UndoRefused(error.message) from None


def _undo(batch: ImportBatch, user) -> UndoResult:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)  # one undo of a batch at a time
    if batch.status != ImportStatus.APPLIED:
        raise UndoRefused(
            _("Chỉ hoàn tác được lần nhập đã ghi; lần nhập này: %(status)s.") % {"status": batch.get_status_display()}
        )
    model = MODEL_OF_KIND[batch.kind]
    history = model.history.model
    own = list(
        history.objects.filter(history_change_reason=batch.history_reason).values_list(
            "history_id", "id", "history_type"
        )
    )
    row_of = {record_id: history_id for history_id, record_id, _type in own}
    created = [record_id for _history_id, record_id, kind in own if kind == "+"]
    changed = [record_id for _history_id, record_id, kind in own if kind == "~"]
    _refuse_later_changes(model, history, row_of)
    previous = _previous_versions(model, history, row_of, changed)
    _refuse_references(model, created)
    now = timezone.now()
    options = {"user": user if getattr(user, "pk", None) else None, "reason": batch.undo_reason, "date": now}
    _restore(model, previous, options)
    _delete(model, created, options)
    if model is OrgUnit:
        rebuild_unit_paths()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.UNDONE, undone_at=now, undone_by=options["user"])
    return UndoResult(deleted=len(created), restored=len(previous))


def _describe(model, ids: list[int]) -> list[str]:
    """Return how a reader names some records ("Nguyễn Văn An (P001)"); a deleted one by its id."""
    shown = ids[:LISTED]
    related = [field.name for field in model._meta.concrete_fields if field.is_relation]
    found = {obj.pk: str(obj) for obj in model._base_manager.select_related(*related).filter(pk__in=shown)}
    names = [found.get(pk, _("bản ghi số %(id)s (đã bị xóa)") % {"id": pk}) for pk in shown]
    if len(ids) > LISTED:
        names.append(_("… và %(count)s bản ghi khác") % {"count": len(ids) - LISTED})
    return names


def _undone_reasons(reasons: set[str]) -> set[str]:
    """Return the reasons among ``reasons`` written by a load that was undone, or by its undo.

    An undone load and its undo cancel out: the record is back as it was before that load, so their
    rows are no change "since" for an earlier load (loads are undone newest first).
    """
    numbers = {}
    for reason in reasons:
        prefix, _sep, number = (reason or "").partition(":")
        if prefix in ("import", "undo") and number.isdigit():
            numbers[reason] = int(number)
    undone = set(
        ImportBatch.objects.filter(pk__in=set(numbers.values()), status=ImportStatus.UNDONE).values_list(
            "pk", flat=True
        )
    )
    return {reason for reason, number in numbers.items() if number in undone}


def _refuse_later_changes(model, history, row_of: dict[int, int]) -> None:
    if not row_of:
        return
    first = min(row_of.values())
    later_rows = [
        (history_id, record_id, reason)
        for history_id, record_id, reason in in_chunks(
            history.objects.filter(history_id__gt=first).values_list("history_id", "id", "history_change_reason"),
            "id",
            row_of,
        )
        if history_id > row_of[record_id]
    ]
    cancelled = _undone_reasons({reason for _history_id, _record_id, reason in later_rows})
    later = sorted({record_id for _history_id, record_id, reason in later_rows if reason not in cancelled})
    if later:
        raise UndoRefused(
            ngettext(
                "%(count)s bản ghi của lần nhập này đã được sửa hoặc xóa sau đó; hãy xử lý các thay đổi đó trước.",
                "%(count)s bản ghi của lần nhập này đã được sửa hoặc xóa sau đó; hãy xử lý các thay đổi đó trước.",
                len(later),
            )
            % {"count": len(later)},
            _describe(model, later),
        )


def _previous_versions(model, history, row_of: dict[int, int], changed: list[int]) -> dict[int, dict]:
    """Return {record id: its tracked values just before the load} for the records the load changed."""
    if not changed:
        return {}
    last_before: dict[int, int] = {}
    earlier = history.objects.filter(history_id__lt=max(row_of[record_id] for record_id in changed))
    for history_id, record_id in in_chunks(earlier.values_list("history_id", "id"), "id", changed):
        if history_id < row_of[record_id] and history_id > last_before.get(record_id, 0):
            last_before[record_id] = history_id
    missing = sorted(set(changed) - set(last_before))
    if missing:
        raise UndoRefused(
            _("Không có phiên bản trước lần nhập của %(count)s bản ghi, nên không khôi phục được.")
            % {"count": len(missing)},
            _describe(model, missing),
        )
    tracked = [field.attname for field in history.tracked_fields]
    rows = in_chunks(history.objects.values("history_id", *tracked), "history_id", last_before.values())
    return {row["id"]: row for row in rows}


def _refuse_references(model, created: list[int]) -> None:
    """Refuse when data the load did not create refers to a record it created (it would be lost or block)."""
    if not created:
        return
    blocking = []
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.hidden or (model, relation.related_model) in OWNED:
            continue
        related = relation.related_model
        referring = in_chunks(
            related._base_manager.values_list("pk", relation.field.attname), relation.field.attname, created
        )
        if related is model:
            created_set = set(created)
            referring = [row for row in referring if row[0] not in created_set]
        if referring:
            blocking.append(
                _("%(count)s %(what)s (không thuộc lần nhập này) gắn với bản ghi của lần nhập, ví dụ: %(examples)s.")
                % {
                    "count": len(referring),
                    "what": related._meta.verbose_name_plural,
                    "examples": "; ".join(_describe(related, [row[0] for row in referring][:3])),
                }
            )
    if blocking:
        raise UndoRefused(_("Không xóa được các bản ghi lần nhập này đã tạo:"), blocking)


def _restore(model, previous: dict[int, dict], options: dict) -> None:
    """Put the changed records back as they were, writing only the columns that differ, each with a "~" row."""
    if not previous:
        return
    # The version is not restored but bumped (core.concurrency): a form opened before the undo is then refused.
    tracked = [
        field for field in model.history.model.tracked_fields if not field.primary_key and field.name != "version"
    ]
    attnames = [field.attname for field in model._meta.concrete_fields]
    rows, differing = [], set()
    for record in in_chunks(model._base_manager.values(*attnames), "id", previous):
        version = previous[record["id"]]
        for field in tracked:
            if record[field.attname] != version[field.attname]:
                record[field.attname] = version[field.attname]
                differing.add(field.name)
        rows.append(record)
    objs = new_instances(model, rows, adding=False)
    names = sorted(differing)
    if is_versioned(model):
        claim_versions(model, objs)
        names = sorted({*names, "version"})
    if model is Person:
        renamed = "full_name" in differing or "code" in differing
        for person in objs:
            if renamed:
                prepare_person(person)
            person.updated_at = options["date"]
        names = sorted(
            {*names, "updated_at"}
            | ({"family_name", "middle_name", "given_name", "sort_key", "search_text"} if renamed else set())
        )
    if model is Course:
        _restore_courses(objs, previous, names, options)
        return
    update_with_history(model, objs, names, **options)


def _restore_courses(courses: list, previous: dict, names: list[str], options: dict) -> None:
    """Restore courses with the types each had in its previous version."""
    through = Course.types.through
    type_history = Course.history.model.types.model
    types_of: dict[int, list[str]] = {}
    for history_id, type_code in in_chunks(
        type_history.objects.values_list("history_id", "coursetype_id"),
        "history_id",
        [version["history_id"] for version in previous.values()],
    ):
        types_of.setdefault(history_id, []).append(type_code)
    if names:
        Course.objects.bulk_update(courses, names, batch_size=WRITE_BATCH)
    delete_rows(through, [course.pk for course in courses], column="course_id")
    through.objects.bulk_create(
        [
            through(course_id=course.pk, coursetype_id=code)
            for course in courses
            for code in sorted(types_of.get(previous[course.pk]["history_id"], []))
        ],
        batch_size=WRITE_BATCH,
    )
    rows = history_rows(Course, courses, "~", **options)
    Course.history.model.objects.bulk_create(rows, batch_size=WRITE_BATCH)
    record_type_history(rows)


def _delete(model, created: list[int], options: dict) -> None:
    """Delete the records the load created, each with a "-" history row."""
    if not created:
        return
    attnames = [field.attname for field in model._meta.concrete_fields]
    objs = new_instances(model, in_chunks(model._base_manager.values(*attnames), "id", created), adding=False)
    if model is Course:
        rows = history_rows(model, objs, "-", **options)
        model.history.model.objects.bulk_create(rows, batch_size=WRITE_BATCH)
        record_type_history(rows)  # the types each course had when it was deleted
        delete_rows(Course.types.through, created, column="course_id")
    else:
        record_deletions(model, objs, **options)
    for owner, part in OWNED:
        if model is owner:
            column = next(f.attname for f in part._meta.concrete_fields if f.is_relation and f.related_model is owner)
            parts = in_chunks(part._base_manager.all(), column, created)
            record_deletions(part, parts, **options)
            delete_rows(part, [p.pk for p in parts])
    delete_rows(model, created)
