"""No lost updates: optimistic locking of the records people edit.

Persons, qualifications, appointments, training records and courses carry ``version``: 1 when created,
one more on every write. An edit (a form, an API PUT/PATCH) names the version it started from; the
save is refused with ``StaleEdit``, writing nothing, when someone else saved the record since.

The one rule, for single and bulk writes alike: **in one transaction, lock the rows, compare their
versions with the ones read, write them with version + 1** (``save_versioned`` for one record,
``claim_versions`` for many). The lock is ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
transaction itself is the lock (``transaction_mode=IMMEDIATE`` takes the database's write lock at
BEGIN), so two writers never both pass the comparison.

Why lock-and-save rather than a conditional ``UPDATE … SET version = version + 1 WHERE pk = %s AND
version = %s``: the record is then saved by ``Model.save()`` (or the bulk helpers the imports already
use), so django-simple-history writes its history row exactly as before, with the request's user and
the new version, and a form's many-to-many fields (a course's types) are saved as usual. A conditional
queryset update bypasses ``save()``: history rows and many-to-many would have to be written by hand, a
second rule for the same thing. The lock makes the compare-and-write just as atomic; it is held for
the few milliseconds of one save.
"""

import datetime
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LOCK_CHUNK = 900  # ids per "IN (…)" outside PostgreSQL: below SQLite's parameter limit


def is_versioned(model) -> bool:
    """Return whether records of ``model`` carry a ``version`` for optimistic locking."""
    return any(field.name == "version" for field in model._meta.concrete_fields)


class StaleEdit(Exception):
    """A write was refused: the record was saved by someone else since it was read (or deleted).

    ``version`` is the record's current version (None when it was deleted); ``changed_at`` and
    ``changed_by`` come from its latest history row.
    """

    def __init__(
        self,
        *,
        model,
        pk,
        version: int | None,
        changed_at: datetime.datetime | None = None,
        changed_by: str = "",
    ):
        self.model, self.pk, self.version = model, pk, version
        self.changed_at, self.changed_by = changed_at, changed_by
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """Return what the editor reads: who changed the record, when, and to reload before saving."""
        if self.version is None:
            return _("Hồ sơ này vừa bị người khác xóa. Hãy quay lại trang trước để xem dữ liệu hiện có.")
        if self.changed_at is None:
            return _("Hồ sơ này vừa được người khác sửa. Hãy tải lại trang để xem thay đổi trước khi lưu.")
        when = date_format(timezone.localtime(self.changed_at), "H:i d/m/Y")
        if self.changed_by:
            return _(
                "Hồ sơ này vừa được người khác (%(user)s) sửa lúc %(time)s. "
                "Hãy tải lại trang để xem thay đổi trước khi lưu."
            ) % {"user": self.changed_by, "time": when}
        return _("Hồ sơ này vừa được người khác sửa lúc %(time)s. Hãy tải lại trang để xem thay đổi trước khi lưu.") % {
            "time": when
        }


class StaleRecords(Exception):
    """A bulk write was refused: some of its records were saved by someone else since they were read."""

    def __init__(self, *, model, pks: list):
        self.model, self.pks = model, list(pks)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        count = len(self.pks)
        return ngettext(
            "%(count)s %(what)s vừa được người khác sửa hoặc xóa trong lúc ghi; chưa ghi gì. Hãy thử lại.",
            "%(count)s %(what)s vừa được người khác sửa hoặc xóa trong lúc ghi; chưa ghi gì. Hãy thử lại.",
            count,
        ) % {"count": count, "what": self.model._meta.verbose_name_plural}


def stale_edit(model, pk) -> StaleEdit:
    """Return the StaleEdit of a record, naming its current version and its last change (one or two queries)."""
    version = model._base_manager.filter(pk=pk).values_list("version", flat=True).first()
    changed_at, changed_by = None, ""
    if version is not None:
        last = model.history.filter(id=pk).select_related("history_user").order_by("-history_date", "-history_id")
        last = last.first()
        if last is not None:
            changed_at = last.history_date
            user = last.history_user
            changed_by = user.display_name() if user else ""
    return StaleEdit(model=model, pk=pk, version=version, changed_at=changed_at, changed_by=changed_by)


def save_versioned(*, instance: models.Model, version: int | None, save: Callable[[], object] | None = None):
    """Save an edited record if it is still at ``version``, with version + 1; raise StaleEdit (nothing written) if not.

    ``version`` None writes whatever the stored version (a form or API client that sends none; the admin),
    still bumping it, so that every editor who read an older version is refused. ``save`` does the
    write (default ``instance.save()``; a form's ``save`` to keep its many-to-many); it runs inside
    the transaction and the lock. A new record (no pk) is saved as is, at version 1.
    """
    save = save or instance.save
    model = type(instance)
    if instance._state.adding:
        instance.version = 1
        return save()
    with transaction.atomic():
        current = (
            model._base_manager.select_for_update().filter(pk=instance.pk).values_list("version", flat=True).first()
        )
        if current is None or (version is not None and current != version):
            raise stale_edit(model, instance.pk)
        instance.version = current + 1
        return save()


def delete_versioned(*, instance: models.Model, version: int | None) -> None:
    """Delete a record if it is still at ``version``; raise StaleEdit (nothing deleted) if not.

    The same rule as ``save_versioned``: in one transaction, lock the row, compare, delete. ``version`` None
    deletes whatever the stored version (a client that sends none).
    """
    model = type(instance)
    with transaction.atomic():
        current = (
            model._base_manager.select_for_update().filter(pk=instance.pk).values_list("version", flat=True).first()
        )
        if current is None or (version is not None and current != version):
            raise stale_edit(model, instance.pk)
        instance.delete()


def parse_version(value) -> int | None:
    """Return the version a form or a client sent (None when it sent none or nonsense)."""
    try:
        version = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return version if version > 0 else None


def claim_versions(model, objs: Iterable[models.Model]) -> None:
    """Lock the stored rows of changed records, check each is still at the version read, give each version + 1.

    For bulk writes (imports, undo, the API's bulk endpoint, the admin's inlines): one locking query
    whatever the number of records (chunks of LOCK_CHUNK ids outside PostgreSQL). Raise StaleRecords,
    writing nothing, when any was changed or deleted since; the caller writes ``version`` with its
    other fields, inside the same transaction.
    """
    objs = list(objs)
    if not objs:
        return
    stored = dict(_locked_versions(model, [obj.pk for obj in objs]))
    stale = [obj.pk for obj in objs if stored.get(obj.pk) != obj.version]
    if stale:
        raise StaleRecords(model=model, pks=stale)
    for obj in objs:
        obj.version += 1


def _locked_versions(model, ids: list) -> list[tuple]:
    """Return (pk, version) of the given records, locking their rows until the transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("claim_versions must run inside the transaction that writes the records")
    queryset = model._base_manager.select_for_update().order_by("pk").values_list("pk", "version")
    if connection.vendor == "postgresql":
        # One "= ANY(array)" parameter, where "IN" costs a parameter per id.
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.pk.column)
        return list(queryset.filter(RawSQL(f"{table}.{column} = ANY(%s)", (list(ids),), BooleanField())))
    found = []
    for start in range(0, len(ids), LOCK_CHUNK):
        found.extend(queryset.filter(pk__in=ids[start : start + LOCK_CHUNK]))
    return found
