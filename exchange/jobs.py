"""Background jobs of the import pages: the preview of an uploaded file, then its load.

A 50,000-row file takes seconds to check and write, so neither runs in the request: the upload is stored
in its ``ImportBatch``, which is also the queue entry (``job``, ``job_state``). A worker claims the
oldest queued job, runs it, and saves its progress on the batch as it goes (rows read, rows checked,
writing), so the page can follow it and the admin can leave and come back.

Workers, with nothing extra to start for ``make run``:

- a thread in each web process, started when a job is queued or a page follows one, and ending after a
  while with nothing to do (setting ``IMPORT_JOBS_THREAD``, on by default);
- ``python manage.py run_import_jobs``, a dedicated worker process for production (then set
  ``IMPORT_JOBS_THREAD=0`` on the web servers).

Several app servers and workers share the queue: a job is claimed with ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL and a conditional ``UPDATE`` everywhere, so it runs once. A job whose worker died
(no heartbeat for ``IMPORT_JOB_STALE_SECONDS``) is claimed again; a load is written in one transaction
together with its batch's status, so a load that died wrote nothing, and one that committed is not
written twice. With ``IMPORT_JOBS_INLINE`` (tests) a job runs at once, in the caller.
"""

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ImportBatch, ImportStatus, JobKind, JobStage, JobState
from .report import store_report

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
IDLE_SECONDS = 60  # a web worker thread ends after this long with no job
POLL_SECONDS = 2
PROGRESS_EVERY = 0.5  # seconds between two progress writes


def stale_seconds() -> int:
    return getattr(settings, "IMPORT_JOB_STALE_SECONDS", 120)


def enqueue(batch: ImportBatch) -> None:
    """Have the batch's queued job run: now (inline), or by a worker once the transaction commits."""
    if getattr(settings, "IMPORT_JOBS_INLINE", False):
        claimed = claim(batch_id=batch.pk, worker="inline")
        if claimed is not None:
            run_job(claimed)
        return
    transaction.on_commit(ensure_worker)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def claim(*, worker: str, batch_id: int | None = None) -> ImportBatch | None:
    """Claim the oldest runnable job (or the given batch's): queued, or running with a stale heartbeat."""
    now = timezone.now()
    runnable = Q(job_state=JobState.QUEUED) | Q(
        job_state=JobState.RUNNING, heartbeat_at__lt=now - timezone.timedelta(seconds=stale_seconds())
    )
    candidates = ImportBatch.objects.filter(runnable).order_by("pk")
    if batch_id is not None:
        candidates = candidates.filter(pk=batch_id)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        found = candidates.values_list("pk", "job_state", "heartbeat_at").first()
        if found is None:
            return None
        pk, state, heartbeat = found
        claimed = ImportBatch.objects.filter(pk=pk, job_state=state, heartbeat_at=heartbeat).update(
            job_state=JobState.RUNNING, claimed_by=worker[:100], heartbeat_at=now, attempts=F("attempts") + 1
        )
    if not claimed:
        return None  # another worker was faster
    return ImportBatch.objects.select_related("user__unit", "undone_by").get(pk=pk)


def run_next(*, worker: str) -> bool:
    """Run the oldest runnable job; return whether there was one."""
    batch = claim(worker=worker)
    if batch is None:
        return False
    run_job(batch)
    return True


def run_job(batch: ImportBatch) -> None:
    """Run a claimed job (a preview or a load) and record its result on the batch."""
    if batch.attempts > MAX_ATTEMPTS:
        _fail(batch, _("Việc đã bị gián đoạn %(count)s lần; hãy gửi lại tệp.") % {"count": MAX_ATTEMPTS})
        return
    from .services import run_import

    progress = _progress_recorder(batch)
    try:
        with translation.override(batch.language or settings.LANGUAGE_CODE):
            if batch.job == JobKind.UNDO:
                _run_undo(batch, progress)
                _done(batch)
                return
            if batch.job == JobKind.APPLY:
                if batch.status == ImportStatus.APPLIED:  # written before its worker died: nothing to redo
                    _done(batch)
                    return
                outcome = run_import(
                    kind=batch.kind,
                    file_name=batch.file_name,
                    content=bytes(batch.content),
                    dry_run=False,
                    user=batch.user,
                    batch=batch,
                    on_progress=progress,
                )
            else:
                outcome = run_import(
                    kind=batch.kind,
                    file_name=batch.file_name,
                    content=bytes(batch.content),
                    dry_run=True,
                    user=batch.user,
                    on_progress=progress,
                )
            progress(JobStage.REPORTING, 0, 0, force=True)
            store_report(batch=batch, outcome=outcome)
    except Exception as error:
        logger.exception("Import job of batch %s failed", batch.pk)
        _fail(batch, _("Lỗi hệ thống khi xử lý tệp (%(error)s); không ghi gì.") % {"error": type(error).__name__})
        return
    _done(batch)


def _run_undo(batch: ImportBatch, progress) -> None:
    """Undo the batch's load, or record why it cannot be undone (the load then stays as it is)."""
    from .undo import UndoRefused, undo_batch

    if batch.status != ImportStatus.APPLIED:  # undone before its worker died
        return
    progress(JobStage.UNDOING, 0, 0, force=True)
    try:
        undo_batch(batch=batch, user=batch.undone_by)
    except UndoRefused as refused:
        ImportBatch.objects.filter(pk=batch.pk).update(
            undo_refusal={"message": refused.message, "details": refused.details}, undone_by=None
        )


def _progress_recorder(batch: ImportBatch):
    last = {"at": 0.0, "stage": None}

    def record(stage: str, done: int, total: int, force: bool = False) -> None:
        moment = time.monotonic()
        if not force and stage == last["stage"] and moment - last["at"] < PROGRESS_EVERY:
            return
        last.update(at=moment, stage=stage)
        ImportBatch.objects.filter(pk=batch.pk).update(
            stage=stage, rows_done=done, rows_total=total or done, heartbeat_at=timezone.now()
        )

    return record


def _done(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(job_state=JobState.DONE, stage=JobStage.DONE)


def _fail(batch: ImportBatch, reason: str) -> None:
    if batch.job == JobKind.UNDO:  # the load stays as it was; say why it was not undone
        ImportBatch.objects.filter(pk=batch.pk).update(undo_refusal={"message": reason, "details": []}, undone_by=None)
    else:
        ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportStatus.APPLIED).update(
            status=ImportStatus.FAILED, file_errors=[[None, "", "", reason]], finished_at=timezone.now()
        )
    _done(batch)


# ---------------------------------------------------------------------------------------------
# The worker thread of a web process

_lock = threading.Lock()
_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None


def ensure_worker() -> None:
    """Start this process's worker thread if it is not running, and wake it."""
    global _thread
    if getattr(settings, "IMPORT_JOBS_INLINE", False) or not getattr(settings, "IMPORT_JOBS_THREAD", True):
        return
    with _lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(target=_work, name="import-jobs", daemon=True)
            _thread.start()
        _wake.set()


def stop_worker(timeout: float = 30) -> None:
    """Stop this process's worker thread once its current job is done (tests, shutdown)."""
    with _lock:
        thread = _thread
        _stop.set()
        _wake.set()
    if thread is not None:
        thread.join(timeout)


def _work() -> None:
    global _thread
    name = worker_name()
    idle_since = time.monotonic()
    try:
        while not _stop.is_set():
            try:
                _fresh_connection()
                ran = run_next(worker=name)
            except Exception:
                logger.exception("Import worker %s: claiming a job failed", name)
                ran = False
            if ran:
                idle_since = time.monotonic()
                continue
            if time.monotonic() - idle_since > IDLE_SECONDS:
                with _lock:
                    if not _wake.is_set():
                        _thread = None  # in the same lock as ensure_worker's look: a new job starts a new thread
                        return
            _wake.wait(POLL_SECONDS)
            _wake.clear()
    finally:
        with _lock:
            if _thread is threading.current_thread():
                _thread = None
        connections.close_all()


def _fresh_connection() -> None:
    """Drop a broken or too-old database connection between jobs, as Django does between requests."""
    if not connection.in_atomic_block:  # never inside a transaction (a test's, or a caller's)
        close_old_connections()


def work_forever(*, once: bool = False, poll: float = POLL_SECONDS, say=None) -> int:
    """Run jobs until stopped (or, with ``once``, until the queue is empty); return how many ran."""
    name = worker_name()
    count = 0
    while True:
        _fresh_connection()
        if run_next(worker=name):
            count += 1
            if say:
                say(count)
            continue
        if once:
            return count
        time.sleep(poll)
