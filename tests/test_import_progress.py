"""Large files stay usable: previews and loads run as background jobs, their progress is saved and followed."""

import datetime
import io
import socket
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

import exchange.resources
from exchange import jobs
from exchange.models import ImportBatch, ImportStatus, JobKind, JobState
from exchange.services import confirm_batch, submit_file
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person


@pytest.fixture
def queued_jobs(settings):
    """Jobs wait in the queue until a test runs them (no inline run, no worker thread)."""
    settings.IMPORT_JOBS_INLINE = False
    settings.IMPORT_JOBS_THREAD = False


@pytest.fixture
def admin(make_user):
    return make_user("quantri", role="admin", unit="HN")


def people(count: int, prefix: str = "P") -> bytes:
    records = [
        {
            "Mã cán bộ": f"{prefix}{i:03d}",
            "Họ và tên": "Ngô Thị Bích",
            "Ngày sinh": "07/07/1977",
            "Mã đơn vị": "H01",
            "Đối tượng": "cong_chuc",
        }
        for i in range(count)
    ]
    return csv_bytes(template_rows("nhan_su", records))


def submit(user, content: bytes) -> ImportBatch:
    return submit_file(kind="nhan_su", file_name="nhan_su.csv", content=content, user=user)


def test_an_uploaded_file_waits_for_a_worker_and_its_page_polls_the_progress(client, admin, queued_jobs):
    client.force_login(admin)
    upload = io.BytesIO(people(3))
    upload.name = "nhan_su.csv"
    page = client.post(reverse("exchange:upload", args=["nhan_su"]), {"file": upload}, follow=True)
    batch = page.context["batch"]
    progress_url = reverse("exchange:batch_progress", args=[batch.pk])

    assert (batch.status, batch.job, batch.job_state) == (ImportStatus.PREVIEWING, JobKind.PREVIEW, JobState.QUEUED)
    html = page.content.decode()
    assert f'hx-get="{progress_url}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "Đang chờ đến lượt" in html
    polled = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert 'hx-trigger="every 1s"' in polled.content.decode()

    assert jobs.run_next(worker="test") is True

    finished = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    result = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert result.context["batch"].status == ImportStatus.PREVIEWED
    assert [row.status for row in result.context["rows"]] == ["new"] * 3
    assert 'hx-trigger="every 1s"' not in result.content.decode()
    assert client.get(progress_url).status_code == 302  # without htmx: to the batch page


def test_the_progress_of_a_job_is_saved_on_its_batch_as_it_runs(admin, units, queued_jobs, monkeypatch):
    monkeypatch.setattr(exchange.resources.base, "ROWS_PER_STEP", 10)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    seen = []
    recorder = jobs._progress_recorder

    def watched(batch, heartbeat=None):
        record = recorder(batch, heartbeat)

        def spy(*args, **kwargs):
            record(*args, **kwargs)
            seen.append(ImportBatch.objects.values_list("stage", "rows_done", "rows_total").get(pk=batch.pk))

        return spy

    monkeypatch.setattr(jobs, "_progress_recorder", watched)
    batch = submit(admin, people(35))
    jobs.run_next(worker="test")
    confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)
    seen.clear()

    jobs.run_next(worker="test")

    assert seen == [
        ("reading", 0, 0),
        ("checking", 10, 35),
        ("checking", 20, 35),
        ("checking", 30, 35),
        ("checking", 35, 35),
        ("writing", 35, 35),
        ("reporting", 0, 0),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.job_state, batch.stage, batch.new_count) == (ImportStatus.APPLIED, "done", "done", 35)
    assert Person.objects.count() == 35


def test_a_job_is_claimed_by_one_worker_only(admin, units, queued_jobs):
    batch = submit(admin, people(2))

    first = jobs.claim(worker="a")
    second = jobs.claim(worker="b")

    assert (first.pk, second) == (batch.pk, None)
    assert ImportBatch.objects.get(pk=batch.pk).claimed_by == "a"


def as_if_its_worker_died(batch: ImportBatch, **fields) -> None:
    """Leave the batch's job running with a heartbeat older than the stale limit, as a killed worker does."""
    old = timezone.now() - datetime.timedelta(minutes=10)
    ImportBatch.objects.filter(pk=batch.pk).update(job_state=JobState.RUNNING, heartbeat_at=old, **fields)


def test_a_job_whose_worker_died_is_found_by_the_watchman_and_run_again(admin, units, queued_jobs):
    batch = submit(admin, people(2))
    jobs.claim(worker="died", batch_id=batch.pk)
    assert jobs.claim(worker="other") is None
    assert jobs.sweep() == 0  # its heartbeat is fresh: it lives
    as_if_its_worker_died(batch)

    assert jobs.sweep() == 1
    while jobs.run_next(worker="other"):  # the first task of the batch, never run by the dead worker, then the new
        pass

    batch.refresh_from_db()
    assert (batch.status, batch.job_state, batch.attempts) == (ImportStatus.PREVIEWED, JobState.DONE, 2)
    assert batch.claimed_by.startswith(socket.gethostname())


def test_a_load_that_committed_before_its_worker_died_is_not_written_again(admin, units, queued_jobs):
    batch = submit(admin, people(2))
    jobs.run_next(worker="test")
    confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)
    jobs.run_next(worker="test")
    history = Person.history.count()
    as_if_its_worker_died(batch)  # died after the commit, before marking its job done

    jobs.sweep()
    assert jobs.run_next(worker="other") is True

    batch.refresh_from_db()
    assert Person.history.count() == history
    assert (batch.status, batch.job_state) == (ImportStatus.APPLIED, JobState.DONE)


def test_an_undo_runs_as_a_job_too(client, admin, units, queued_jobs):
    batch = submit(admin, people(3))
    jobs.run_next(worker="test")
    confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)
    jobs.run_next(worker="test")
    client.force_login(admin)

    page = client.post(reverse("exchange:undo", args=[batch.pk]), follow=True)

    assert 'hx-trigger="every 1s"' in page.content.decode()
    assert Person.objects.count() == 3
    jobs.run_next(worker="test")
    batch.refresh_from_db()
    assert (batch.status, batch.undone_by) == (ImportStatus.UNDONE, admin)
    assert not Person.objects.exists()


def test_a_job_interrupted_too_often_fails_without_writing(admin, units, queued_jobs):
    batch = submit(admin, people(2))
    as_if_its_worker_died(batch, attempts=jobs.MAX_ATTEMPTS)

    jobs.sweep()

    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == (ImportStatus.FAILED, JobState.DONE)
    assert "gián đoạn" in batch.file_errors[0][3]


def test_each_stage_has_its_own_tries(admin, units, queued_jobs):
    batch = submit(admin, people(2))
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=jobs.MAX_ATTEMPTS - 1)
    jobs.run_next(worker="test")  # the preview's last try succeeds
    confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)
    as_if_its_worker_died(batch, attempts=1)  # the load was tried once

    jobs.sweep()
    jobs.run_next(worker="test")

    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (ImportStatus.APPLIED, 2)


def test_a_job_that_crashes_fails_its_batch_and_writes_nothing(admin, units, queued_jobs, monkeypatch):
    batch = submit(admin, people(2))
    jobs.run_next(worker="test")
    confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)

    def crash(self, created, updated):
        Person.objects.bulk_create(created)
        raise RuntimeError("bug")

    monkeypatch.setattr(exchange.resources.PersonResource, "write", crash)

    jobs.run_next(worker="test")

    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == (ImportStatus.FAILED, JobState.DONE)
    assert "Lỗi hệ thống" in batch.file_errors[0][3]
    assert not Person.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_run_import_jobs_command_runs_the_queued_jobs_with_the_database_backend_worker(make_user, queued_jobs):
    from django_tasks_db.models import DBTaskResult

    admin = make_user("quantri", role="admin", unit="HN")
    first, second = submit(admin, people(2, "A")), submit(admin, people(2, "B"))
    assert DBTaskResult.objects.ready().count() == 2

    call_command("run_import_jobs", "--once", stdout=io.StringIO())

    assert set(DBTaskResult.objects.values_list("status", "return_value")) == {("SUCCESSFUL", "done")}
    statuses = ImportBatch.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    assert set(statuses) == {ImportStatus.PREVIEWED}


def test_the_admin_can_leave_and_find_the_batch_in_the_list(client, admin, units, queued_jobs):
    client.force_login(admin)
    batch = submit(admin, people(2))

    waiting = client.get(reverse("exchange:batch_list")).content.decode()
    jobs.run_next(worker="test")
    done = client.get(reverse("exchange:batch_list")).content.decode()

    assert reverse("exchange:batch_detail", args=[batch.pk]) in waiting
    assert "Đang kiểm tra" in waiting
    assert "Chờ xác nhận" in done


def wait_for(batch: ImportBatch, status: str, seconds: float = 60) -> ImportBatch:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            batch.refresh_from_db()
        except OperationalError:  # SQLite's shared in-memory test database locks tables while the worker writes
            continue
        if batch.status == status and batch.job_state == JobState.DONE:
            return batch
        time.sleep(0.25)
    raise AssertionError(f"batch {batch.pk} is {batch.status}/{batch.job_state}, not {status}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_thread_of_the_web_process_runs_the_jobs(settings, make_user):
    settings.IMPORT_JOBS_INLINE = False
    settings.IMPORT_JOBS_THREAD = True
    admin = make_user("quantri", role="admin", unit="HN")
    try:
        batch = wait_for(submit(admin, people(20)), ImportStatus.PREVIEWED)
        assert batch.new_count == 20
        confirm_batch(batch=batch, user=admin)
        wait_for(batch, ImportStatus.APPLIED)
    finally:
        jobs.stop_worker()

    assert Person.objects.filter(code__startswith="P").count() == 20


# ---------------------------------------------------------------------------------------------
# Jobs that tell the truth: fenced writes, cancellation, never failed after applied


def confirmed(admin, count: int = 3) -> ImportBatch:
    """Return a previewed batch whose load is confirmed and queued."""
    batch = submit(admin, people(count))
    jobs.run_next(worker="test")
    return confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)


def test_a_load_taken_over_by_another_worker_writes_nothing(admin, units, queued_jobs):
    batch = confirmed(admin)
    mine = jobs.claim(worker="slow", batch_id=batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(claimed_by="other")  # another worker took it over meanwhile

    jobs.run_job(mine)

    batch.refresh_from_db()
    assert not Person.objects.exists()
    assert (batch.status, batch.claimed_by, batch.job_state) == (ImportStatus.RUNNING, "other", JobState.RUNNING)


def test_a_running_load_cancelled_from_its_page_stops_and_writes_nothing(client, admin, units, queued_jobs):
    batch = confirmed(admin)
    running = jobs.claim(worker="test", batch_id=batch.pk)
    client.force_login(admin)
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert reverse("exchange:cancel", args=[batch.pk]) in page  # the button, while the job runs

    client.post(reverse("exchange:cancel", args=[batch.pk]))
    jobs.run_job(running)

    batch.refresh_from_db()
    assert (batch.status, batch.job_state, bytes(batch.content)) == (ImportStatus.CANCELLED, JobState.DONE, b"")
    assert not Person.objects.exists()


def test_a_queued_preview_cancelled_is_never_run(admin, units, queued_jobs):
    from exchange.services import cancel_batch

    batch = submit(admin, people(2))
    cancel_batch(batch=batch, user=admin)

    while jobs.run_next(worker="test"):
        pass

    batch.refresh_from_db()
    assert (batch.status, batch.job_state, batch.stage) == (ImportStatus.CANCELLED, JobState.DONE, "done")
    assert not batch.report_rows.exists()


def test_a_waiting_undo_can_be_cancelled_and_the_load_stays(admin, units, queued_jobs):
    from exchange.services import cancel_batch, request_undo

    batch = confirmed(admin)
    jobs.run_next(worker="test")
    request_undo(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)

    cancel_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=admin)
    jobs.run_next(worker="test")

    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == (ImportStatus.APPLIED, JobState.DONE)
    assert "hủy" in batch.undo_refusal["message"]
    assert Person.objects.count() == 3


def test_an_applied_load_is_never_failed_by_an_error_after_its_commit(admin, units, queued_jobs, monkeypatch):
    batch = confirmed(admin)

    def report_fails(**kwargs):
        raise RuntimeError("after the commit")

    monkeypatch.setattr(jobs, "store_report", report_fails)
    jobs.run_next(worker="test")

    batch.refresh_from_db()
    assert (batch.status, batch.new_count, batch.job_state) == (ImportStatus.APPLIED, 3, JobState.DONE)
    assert Person.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_web_process_starts_its_worker_thread_with_its_first_request(client, settings):
    settings.IMPORT_JOBS_THREAD = True
    jobs.stop_worker()
    try:
        client.get("/")
        assert jobs._thread is not None
        assert jobs._thread.is_alive()
    finally:
        jobs.stop_worker()

    settings.IMPORT_JOBS_THREAD = False
    client.get("/")
    assert jobs._thread is None


def test_a_queued_job_whose_task_was_lost_gets_a_new_one_from_the_watchman(admin, units, queued_jobs):
    from django_tasks_db.models import DBTaskResult

    batch = submit(admin, people(2))
    # Its task was claimed by a worker that died before claiming the batch (or it was queued before an upgrade).
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - datetime.timedelta(minutes=10))
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=10))

    assert jobs.sweep() == 1
    assert jobs.sweep() == 0  # once
    jobs.run_next(worker="test")

    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED
