"""The one write of many training records by their natural key (person, course).

The class results screen and a roster's results (``training.services.record_class``), the API's bulk endpoint
(``api.bulk``) and the ``ket_qua`` import (``exchange.resources.training``) all write through
``upsert_records``. Each caller checks its input its own way (codes, scope, the completion-date rules of
``training.rules``, approved years item by item) and says so in its own words; this service then, in one
transaction:

1. reads and locks the stored records of the rows' keys (one query) and decides create, update or unchanged;
2. refuses the whole write (``core.concurrency.StaleRecords``) when a record the caller read at some version was
   saved (or deleted) by someone else since;
3. sends ``training.signals.records_writing`` once for the records it writes (approvals: no record of an
   approved year, as stored or as written);
4. writes new records and changed fields in bulk with their history rows (``core.bulk``: COPY on PostgreSQL)
   and version + 1 (``core.concurrency``: open edit forms of these records become stale).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.bulk import create_with_history, new_instances, update_with_history
from core.concurrency import LOCK_CHUNK, StaleRecords

from .models import Course, TrainingRecord
from .signals import records_writing

# What a row may set; a field a row leaves out keeps its stored value (a new record: the field's default).
FIELDS = ("result", "completed_on", "certificate_number")
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class Upserted:
    """What ``upsert_records`` did, row by row in the order given: the status and the record as written."""

    statuses: list[str]
    records: list[TrainingRecord]

    def count(self, status: str) -> int:
        return self.statuses.count(status)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)


def upsert_records(
    *, rows: Sequence[dict], user, reason: str, date: datetime.datetime | None = None, what: str = ""
) -> Upserted:
    """Create or update a training record per row (already checked by the caller), all or nothing.

    A row is a dictionary of ``person_id``, ``course_id``, any of ``FIELDS`` and optionally ``version``:
    the version of the stored record the caller read and compared, when it did (StaleRecords when the record
    is now at another version or gone). A key the caller found no record for may meanwhile have one: it is
    then updated. ``user``, ``reason`` and ``date`` (default now) go on every history row; ``what`` names the
    write for an approvals exception's log. Raise the receivers' ``ValidationError`` (an approved year).

    It runs in the caller's transaction (a new one when there is none) without a savepoint of its own: a
    caller that goes on after a refusal wraps the call in its own ``transaction.atomic()``.
    """
    keys = [(row["person_id"], row["course_id"]) for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("upsert_records takes one row per person and course")
    date = date or timezone.now()
    # Without a savepoint: a failure here fails the caller's transaction, which every caller wants.
    with transaction.atomic(savepoint=False):
        stored = _stored_records(keys)
        stale = [
            stored[key]["id"] if key in stored else None
            for key, row in zip(keys, rows, strict=True)
            if row.get("version") is not None and stored.get(key, {}).get("version") != row["version"]
        ]
        if stale:
            raise StaleRecords(model=TrainingRecord, pks=stale)
        statuses, new_rows, changed_rows, old_records, changed_fields = [], [], [], [], set()
        for key, row in zip(keys, rows, strict=True):
            values = {name: row[name] for name in FIELDS if name in row}
            record = stored.get(key)
            if record is None:
                statuses.append(CREATED)
                new_rows.append({"person_id": key[0], "course_id": key[1], **values})
                continue
            changes = {name: value for name, value in values.items() if record[name] != value}
            if not changes:
                statuses.append(UNCHANGED)
                continue
            statuses.append(UPDATED)
            changed_fields.update(changes)
            changed_rows.append({**record, **changes, "version": record["version"] + 1})
            old_records.append(record)
        created = new_instances(TrainingRecord, new_rows, adding=True)
        updated = new_instances(TrainingRecord, changed_rows, adding=False)
        if created or updated:
            # The day each record counts from, as written and (a changed record) as stored.
            written = [*created, *updated]
            undated = [record.course_id for record in written if record.completed_on is None]
            ends = _course_ends(
                {*undated, *(record["course_id"] for record in old_records if not record["completed_on"])}
            )
            days = [record.completed_on or ends.get(record.course_id) for record in written]
            days += [record["completed_on"] or ends.get(record["course_id"]) for record in old_records]
            person_ids = [record.person_id for record in written] + [record["person_id"] for record in old_records]
            records_writing.send(sender=TrainingRecord, person_ids=person_ids, dates=days, user=user, what=what)
        who = {"user": user if getattr(user, "pk", None) else None, "reason": reason, "date": date}
        create_with_history(TrainingRecord, created, **who)
        if updated:
            update_with_history(TrainingRecord, updated, [*sorted(changed_fields), "version"], **who)
    return Upserted(statuses=statuses, records=_in_order(statuses, created, updated, stored, keys))


def _in_order(statuses, created, updated, stored, keys) -> list[TrainingRecord]:
    """Return the record of each row: the written instance, or (unchanged) the stored one as an instance."""
    created, updated = iter(created), iter(updated)
    unchanged = new_instances(
        TrainingRecord, [stored[key] for key, status in zip(keys, statuses, strict=True) if status == UNCHANGED],
        adding=False,
    )  # fmt: skip
    unchanged = iter(unchanged)
    pick = {CREATED: created, UPDATED: updated, UNCHANGED: unchanged}
    return [next(pick[status]) for status in statuses]


def _stored_records(keys: list[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """Return {(person_id, course_id): stored record as a dict} of the keys, locked until the transaction ends."""
    if not keys:
        return {}
    attnames = [field.attname for field in TrainingRecord._meta.concrete_fields]
    queryset = TrainingRecord.objects.select_for_update().order_by("pk").values(*attnames)
    person_ids = sorted({person_id for person_id, _course in keys})
    course_ids = sorted({course_id for _person, course_id in keys})
    if connection.vendor == "postgresql":
        # Exactly the rows' keys are locked: pairs as two arrays, one parameter each.
        table = connection.ops.quote_name(TrainingRecord._meta.db_table)
        condition = RawSQL(
            f"({table}.person_id, {table}.course_id) IN (SELECT * FROM UNNEST(%s::integer[], %s::integer[]))",  # noqa: S608 (the table's quoted name from _meta; the keys bound as two arrays)
            ([key[0] for key in keys], [key[1] for key in keys]),
            BooleanField(),
        )
        found = list(queryset.filter(condition))
    else:
        # SQLite: the transaction is the lock; read the persons' records of the courses, keep the rows' keys.
        found = []
        if len(course_ids) <= LOCK_CHUNK:
            queryset = queryset.filter(course_id__in=course_ids)
        for start in range(0, len(person_ids), LOCK_CHUNK):
            found.extend(queryset.filter(person_id__in=person_ids[start : start + LOCK_CHUNK]))
    wanted = set(keys)
    stored = {key: record for record in found if (key := (record["person_id"], record["course_id"])) in wanted}
    return stored


def _course_ends(course_ids: set[int]) -> dict[int, datetime.date]:
    """Return {course id: end date}: a record without a completion date counts from its course's end."""
    if not course_ids:
        return {}
    return dict(Course.objects.filter(pk__in=sorted(course_ids)).values_list("pk", "end_date"))
