"""Every load (not a dry run) is an ImportBatch, and every history row it writes names it."""

from django.contrib import admin
from django.db import IntegrityError, connection

import exchange.resources
from exchange.models import ImportBatch, ImportStatus
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person


def people(*codes: str, **cells) -> bytes:
    records = [
        {
            "Mã cán bộ": c,
            "Họ và tên": "Bùi Minh Tâm",
            "Ngày sinh": "03/04/1979",
            "Mã đơn vị": "SNV",
            "Đối tượng": "cong_chuc",
        }
        | cells
        for c in codes
    ]
    return csv_bytes(template_rows("nhan_su", records))


def test_a_load_is_recorded_with_its_user_file_and_counts(make_user):
    user = make_user("hr_snv", role="hr", unit="SNV")
    run_import(kind="nhan_su", file_name="dot1.csv", content=people("A1", "A2"), dry_run=False, user=user)

    outcome = run_import(kind="nhan_su", file_name="dot2.csv", content=people("A1", "A3"), dry_run=False, user=user)

    batch = outcome.batch
    assert (batch.kind, batch.file_name, batch.user, batch.status) == (
        "nhan_su",
        "dot2.csv",
        user,
        ImportStatus.APPLIED,
    )
    assert (batch.new_count, batch.updated_count, batch.unchanged_count, batch.error_count) == (1, 0, 1, 0)
    assert batch.finished_at >= batch.started_at


def test_every_history_row_of_a_load_carries_its_batch_and_user(make_user):
    user = make_user("hr_snv", role="hr", unit="SNV")
    first = run_import(kind="nhan_su", file_name="a.csv", content=people("A1", "A2"), dry_run=False, user=user).batch

    second = run_import(
        kind="nhan_su", file_name="b.csv", content=people("A1", "A2", **{"Chức vụ": "Phó phòng"}), dry_run=False
    ).batch

    assert first.history(Person).count() == 2
    assert set(first.history(Person).values_list("history_type", "history_user")) == {("+", user.pk)}
    assert set(second.history(Person).values_list("history_type", "history_user")) == {("~", None)}
    assert second.history(Person).count() == 2
    assert Person.history.count() == 4


def test_a_refused_load_is_recorded_with_its_errors_and_writes_nothing(units):
    outcome = run_import(kind="nhan_su", file_name="x.csv", content=people("A1", **{"Ngày sinh": "x"}), dry_run=False)

    batch = outcome.batch
    assert (batch.status, batch.new_count, batch.error_count) == (ImportStatus.REJECTED, 0, 1)
    assert not Person.objects.exists()
    assert not batch.history(Person).exists()


def test_a_dry_run_records_no_batch_and_no_history(units):
    outcome = run_import(kind="nhan_su", file_name="x.csv", content=people("A1"), dry_run=True)

    assert outcome.ok
    assert outcome.batch is None
    assert not ImportBatch.objects.exists()
    assert not Person.history.exists()


def test_batches_are_read_only_in_the_admin(rf, make_user):
    request = rf.get("/admin/")
    request.user = make_user("boss", role="admin", unit="HN")
    model_admin = admin.site._registry[ImportBatch]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_a_database_error_while_writing_is_reported_and_nothing_is_written(units, monkeypatch):
    def fail(*args, **kwargs):
        Person.objects.create(code="HALF", full_name="Ghi dở", birth_date="1980-01-01", unit=units["H01"])
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(exchange.resources.base, "create_with_history", fail)

    outcome = run_import(kind="nhan_su", file_name="x.csv", content=people("A1"), dry_run=False)

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [(None, "", "")]
    assert "Lỗi cơ sở dữ liệu khi xử lý tệp (IntegrityError)" in outcome.errors[0].reason
    assert "duplicate key" not in outcome.errors[0].reason  # the database's text may echo a row: never shown
    assert outcome.batch.status == ImportStatus.REJECTED
    assert not Person.objects.exists()


def test_a_database_driver_error_while_writing_is_caught_as_a_database_error_and_echoes_no_row(units, monkeypatch):
    # COPY runs on the driver's own cursor: its errors are the driver's (psycopg2), not Django's.
    def fail(*args, **kwargs):
        raise connection.Database.IntegrityError("duplicate key: Key (citizen_id)=(001099012345) already exists")

    monkeypatch.setattr(exchange.resources.base, "create_with_history", fail)

    outcome = run_import(kind="nhan_su", file_name="x.csv", content=people("A1"), dry_run=False)

    assert "Lỗi cơ sở dữ liệu" in outcome.errors[0].reason
    assert "001099012345" not in outcome.errors[0].reason
    assert outcome.batch.status == ImportStatus.REJECTED
    assert not Person.objects.exists()
