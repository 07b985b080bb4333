"""`python manage.py import_data KIND FILE [--dry-run]`: a summary and exit 0, or every error and exit 1."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.models import ImportBatch, ImportStatus
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Nguyễn Văn An",
        "Ngày sinh": "01/02/1980",
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
        **cells,
    }


def write(tmp_path, records, name="nhan_su.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(template_rows("nhan_su", records)))
    return str(path)


def test_a_valid_file_is_written_and_the_summary_printed(tmp_path, units):
    path = write(tmp_path, [person("A1"), person("A2", **{"Họ và tên": "Trần Thị Bình"})])
    out = io.StringIO()

    call_command("import_data", "nhan_su", path, stdout=out)

    assert "2 mới, 0 cập nhật, 0 không đổi" in out.getvalue()
    assert sorted(Person.objects.values_list("code", "full_name")) == [("A1", "Nguyễn Văn An"), ("A2", "Trần Thị Bình")]
    assert ImportBatch.objects.get().status == ImportStatus.APPLIED


def test_an_invalid_file_writes_nothing_and_lists_every_error_with_exit_status_1(tmp_path, units):
    path = write(
        tmp_path,
        [
            person("A1"),
            person("A2", **{"Ngày sinh": "31/02/1990"}),
            person("A3", **{"Mã đơn vị": "ZZZ", "Đối tượng": "giam_doc"}),
            person("A4"),
        ],
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_data", "nhan_su", path, stdout=out, stderr=err)

    assert raised.value.returncode == 1
    assert "3 lỗi ở 2 dòng; không ghi gì" in str(raised.value)
    printed = err.getvalue().splitlines()
    assert printed[0] == "Dòng 3, cột «Ngày sinh», giá trị «31/02/1990»: Ngày không có thật trên lịch."
    assert printed[1].startswith("Dòng 4, cột «Mã đơn vị», giá trị «ZZZ»: Không có đơn vị mã «ZZZ»")
    assert printed[2].startswith("Dòng 4, cột «Đối tượng», giá trị «giam_doc»: Không có trong danh mục")
    assert len(printed) == 3
    assert not Person.objects.exists()
    assert ImportBatch.objects.get().status == ImportStatus.REJECTED


def test_a_dry_run_reports_what_would_be_written_and_writes_nothing(tmp_path, units):
    path = write(tmp_path, [person("A1"), person("A2")])
    out = io.StringIO()

    call_command("import_data", "nhan_su", path, "--dry-run", stdout=out)

    assert "(thử, không ghi): 2 mới, 0 cập nhật, 0 không đổi" in out.getvalue()
    assert not Person.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_dry_run_of_an_invalid_file_exits_with_status_1(tmp_path, units):
    path = write(tmp_path, [person("A1", **{"Ngày sinh": ""})])

    with pytest.raises(CommandError) as raised:
        call_command("import_data", "nhan_su", path, "--dry-run", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 1


def test_a_missing_file_is_reported(tmp_path, db):
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        call_command("import_data", "nhan_su", str(tmp_path / "missing.csv"))


def test_an_unknown_kind_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_data", "nhan_vien", str(tmp_path / "x.csv"))


# ---------------------------------------------------------------------------------------------
# Database errors: one Vietnamese line, nothing personal, exit status 1


def test_a_database_error_during_copy_gives_one_vietnamese_line_without_the_row(tmp_path, units, monkeypatch):
    from django.db import connection

    import exchange.resources

    def copy_fails(*args, **kwargs):  # as psycopg2's COPY reports a racing import's row
        raise connection.Database.IntegrityError('duplicate key "citizen_id": Key (citizen_id)=(001099012345)')

    monkeypatch.setattr(exchange.resources.base, "create_with_history", copy_fails)
    path = write(tmp_path, [person("A1", **{"Số CCCD": "001099012345"})])
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_data", "nhan_su", path, stderr=err)

    message = str(raised.value)
    assert raised.value.returncode == 1
    assert "Lỗi cơ sở dữ liệu" in message
    assert "\n" not in message
    assert "001099012345" not in message + err.getvalue()
    assert err.getvalue() == ""
    assert not Person.objects.exists()


def test_a_terminated_connection_while_reading_gives_one_vietnamese_line(tmp_path, units, monkeypatch):
    from django.db import OperationalError

    import exchange.resources

    def terminated(self, *args, **kwargs):
        raise OperationalError("terminating connection due to administrator command: A1 001099012345")

    monkeypatch.setattr(exchange.resources.PersonResource, "prefetch", terminated)
    path = write(tmp_path, [person("A1", **{"Số CCCD": "001099012345"})])

    with pytest.raises(CommandError) as raised:
        call_command("import_data", "nhan_su", path)

    assert raised.value.returncode == 1
    assert str(raised.value).startswith("Lỗi cơ sở dữ liệu khi xử lý tệp (OperationalError)")
    assert "001099012345" not in str(raised.value)
    assert ImportBatch.objects.get().status == ImportStatus.FAILED


def test_a_killed_import_data_is_failed_by_the_watchman_and_can_be_cancelled(units, make_user):
    import datetime

    from django.utils import timezone

    from exchange import jobs
    from exchange.models import JobState
    from exchange.services import cancel_batch

    old = timezone.now() - datetime.timedelta(minutes=5)
    killed, other = (
        ImportBatch.objects.create(kind="nhan_su", file_name=name, job_state=JobState.RUNNING, heartbeat_at=old)
        for name in ("bi-tat.csv", "dang-chay.csv")
    )

    cancel_batch(batch=other, user=make_user("quantri", role="admin", unit="HN"))
    jobs.sweep()

    killed.refresh_from_db()
    other.refresh_from_db()
    assert (killed.status, killed.job_state) == (ImportStatus.FAILED, JobState.DONE)
    assert "dừng giữa chừng" in killed.file_errors[0][3]
    assert (other.status, other.job_state) == (ImportStatus.CANCELLED, JobState.DONE)
