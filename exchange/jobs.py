"""Background jobs of the import pages (preview, load, undo) on Django's task framework.

A 50,000-row file takes seconds to check and write, so neither runs in the request. The upload is stored
in its ``ImportBatch``, which also says where its job is (``job``, ``job_state``, ``stage``, progress), so
the page follows it and the admin can leave and come back. Each job is a task of ``django-tasks`` (the
backport of Django 6's ``django.tasks``), ``run_batch_job``, queued with ``django-tasks-db``'s database
backend in the same transaction as the batch's new state (the services send ``exchange.signals.batch_queued``,
answered here: they never import this module, which imports them to run the jobs); a worker runs it:

- ``python manage.py run_import_jobs``: ``django-tasks-db``'s own worker (``db_worker``) plus this
  module's watchman thread, for production (then set ``IMPORT_JOBS_THREAD=0`` on the web servers);
- with ``IMPORT_JOBS_THREAD`` (on by default, so ``make run`` needs nothing else), a thread of the web
  process that runs the same tasks and the same watchman, started by the process's first request;
- with ``IMPORT_JOBS_INLINE`` (tests), the task runs at once in the caller (``ImmediateBackend``).

Jobs that tell the truth:

- **Claimed once while its worker lives.** A task claims its batch with a conditional ``UPDATE`` and a
  fresh token (``claimed_by``). A heartbeat thread (``exchange.heartbeat``) writes ``heartbeat_at`` every
  ``HEARTBEAT_SECONDS`` for the job's whole life, writing included; and the load's transaction first locks
  the batch's row (the fence below) and holds it to the commit, while another worker may only take a job over through
  that row (``SKIP LOCKED`` on PostgreSQL, SQLite's write lock): a job is taken over only when its
  heartbeat is stale *and* no transaction of its worker holds the row.
- **A fenced write.** The load writes only if its batch is still ``running`` and still claimed by its
  token, checked by the first statement of its transaction; the batch says "applied" in that same
  transaction. A cancelled or taken-over job writes nothing; a batch is never failed after it was applied
  (every status change is a conditional ``UPDATE``), and a database error is reported as one.
- **Dead jobs found with nobody watching.** The watchman (``sweep``) runs every ``SWEEP_SECONDS`` in
  every worker: a job without a heartbeat for ``IMPORT_JOB_STALE_SECONDS`` (30 s) is queued again, or
  failed after ``MAX_ATTEMPTS`` tries of its stage (preview, load and undo each have their own); a
  killed ``import_data`` (whose file is not kept) is failed. Within a minute, in all.
- **Every batch can be cancelled** (``services.cancel_batch``): a queued or running job stops at its next
  step and writes nothing; a load already committed stays applied (and can be undone).
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .errors import JobLost, database_error_message
from .heartbeat import Heartbeat, worker_name
from .models import ImportBatch, ImportStatus, JobKind, JobStage, JobState
from .report import store_report
from .services import run_import
from .undo import UndoRefused, undo_batch

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # tries of one stage (preview, load or undo) before its batch is failed
SWEEP_SECONDS = 10.0
POLL_SECONDS = 1.0
PROGRESS_EVERY = 0.5  # seconds between two progress writes
INLINE_BACKEND = "inline"


def stale_seconds() -> float:
    return getattr(settings, "IMPORT_JOB_STALE_SECONDS", 30)


# ---------------------------------------------------------------------------------------------
# Queueing


def enqueue(batch: ImportBatch) -> None:
    """Queue the batch's job (its state already says ``queued``): in the caller's transaction, or at once inline."""
    if getattr(settings, "IMPORT_JOBS_INLINE", False):
        run_batch_job.using(backend=INLINE_BACKEND).enqueue(batch_id=batch.pk)
        return
    run_batch_job.enqueue(batch_id=batch.pk)  # a row of django-tasks-db, committed with the batch
    transaction.on_commit(ensure_worker)


def enqueue_queued_batch(sender, *, batch: ImportBatch, **_signal) -> None:
    """Answer ``exchange.signals.batch_queued`` (connected in ``ExchangeConfig.ready``): queue the batch's job."""
    enqueue(batch)


@task()
def run_batch_job(batch_id: int) -> str:
    """The task: claim the batch's queued job, run it, and say how it ended ("done", "skipped")."""
    batch = claim(batch_id=batch_id, worker=worker_name())
    if batch is None:
        return "skipped"  # already run, running elsewhere, or cancelled
    run_job(batch)
    return "done"


def claim(*, worker: str, batch_id: int | None = None) -> ImportBatch | None:
    """Claim a queued job (the given batch's, or the oldest); return its batch, or None."""
    candidates = ImportBatch.objects.filter(job_state=JobState.QUEUED).order_by("pk")
    if batch_id is not None:
        candidates = candidates.filter(pk=batch_id)
    pk = candidates.values_list("pk", flat=True).first()
    if pk is None:
        return None
    claimed = ImportBatch.objects.filter(pk=pk, job_state=JobState.QUEUED).update(
        job_state=JobState.RUNNING,
        claimed_by=worker[:100],
        heartbeat_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None  # another worker was faster
    return ImportBatch.objects.select_related("user__unit", "undone_by").get(pk=pk)


# ---------------------------------------------------------------------------------------------
# Running a job


def run_job(batch: ImportBatch) -> None:
    """Run a claimed job (a preview, a load or an undo) and record its result on the batch."""
    token = batch.claimed_by
    with Heartbeat(batch.pk, token) as heartbeat:
        progress = _progress_recorder(batch, heartbeat)
        try:
            with translation.override(batch.language or settings.LANGUAGE_CODE):
                if batch.job == JobKind.UNDO:
                    _run_undo(batch, progress)
                elif batch.job == JobKind.APPLY:
                    if batch.status != ImportStatus.RUNNING:  # written (or cancelled) before its worker died
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
                    _report(batch, outcome, progress)
                else:
                    outcome = run_import(
                        kind=batch.kind,
                        file_name=batch.file_name,
                        content=bytes(batch.content),
                        dry_run=True,
                        user=batch.user,
                        on_progress=progress,
                    )
                    _report(batch, outcome, progress)
        except JobLost:
            logger.info("Import job of batch %s stopped: cancelled or taken over", batch.pk)
            return
        except DatabaseError as error:
            logger.warning("Import job of batch %s: database error %s", batch.pk, type(error).__name__)
            _fail(batch, database_error_message(error))
            return
        except Exception as error:
            logger.exception("Import job of batch %s failed", batch.pk)
            _fail(batch, _("Lỗi hệ thống khi xử lý tệp (%(error)s); không ghi gì.") % {"error": type(error).__name__})
            return
    _done(batch)


def _report(batch: ImportBatch, outcome, progress) -> None:
    progress(JobStage.REPORTING, 0, 0, force=True)
    store_report(batch=batch, outcome=outcome)


def _run_undo(batch: ImportBatch, progress) -> None:
    """Undo the batch's load, or record why it cannot be undone (the load then stays as it is)."""
    if batch.status != ImportStatus.APPLIED:  # undone before its worker died
        return
    progress(JobStage.UNDOING, 0, 0, force=True)
    try:
        undo_batch(batch=batch, user=batch.undone_by)
    except UndoRefused as refused:
        ImportBatch.objects.filter(pk=batch.pk).update(
            undo_refusal={"message": refused.message, "details": refused.details}, undone_by=None
        )


def _progress_recorder(batch: ImportBatch, heartbeat: "Heartbeat | None" = None):
    last = {"at": 0.0, "stage": None}

    def record(stage: str, done: int, total: int, force: bool = False) -> None:
        if heartbeat is not None and heartbeat.lost:
            raise JobLost(batch.pk)
        moment = time.monotonic()
        if not force and stage == last["stage"] and moment - last["at"] < PROGRESS_EVERY:
            return
        last.update(at=moment, stage=stage)
        mine = ImportBatch.objects.filter(pk=batch.pk, claimed_by=batch.claimed_by, job_state=JobState.RUNNING)
        updated = mine.update(stage=stage, rows_done=done, rows_total=total or done, heartbeat_at=timezone.now())
        if not updated:
            raise JobLost(batch.pk)

    return record


def _done(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk, claimed_by=batch.claimed_by, job_state=JobState.RUNNING).update(
        job_state=JobState.DONE, stage=JobStage.DONE
    )


def _fail(batch: ImportBatch, reason: str) -> None:
    """Record that the job failed: its batch failed (never one already applied), or its undo not done."""
    mine = ImportBatch.objects.filter(pk=batch.pk, claimed_by=batch.claimed_by)
    if batch.job == JobKind.UNDO:  # the load stays as it was; say why it was not undone
        mine.update(undo_refusal={"message": reason, "details": []}, undone_by=None)
    else:
        mine.filter(status__in=[ImportStatus.PREVIEWING, ImportStatus.RUNNING, ImportStatus.FAILED]).update(
            status=ImportStatus.FAILED, file_errors=[[None, "", "", reason]], finished_at=timezone.now()
        )
    _done(batch)


# ---------------------------------------------------------------------------------------------
# The watchman: dead jobs are queued again or failed


def sweep(*, now=None) -> int:
    """Queue again (or fail) the jobs whose worker died; fail killed command-line loads; return how many."""
    now = now or timezone.now()
    stale = now - timezone.timedelta(seconds=stale_seconds())
    dead = ImportBatch.objects.filter(job_state=JobState.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)
    )
    count = 0
    for pk, job, token, heartbeat, attempts in dead.values_list("pk", "job", "claimed_by", "heartbeat_at", "attempts"):
        try:
            count += _recover(pk, job, token, heartbeat, attempts)
        except DatabaseError:  # its row is locked by the live worker's transaction (SQLite): alive
            logger.info("Batch %s is busy; not taken over", pk, exc_info=True)
    count += _requeue_lost_tasks(stale)
    return count


def _recover(pk: int, job: str, token: str, heartbeat, attempts: int) -> int:
    with transaction.atomic():
        rows = ImportBatch.objects.filter(pk=pk, claimed_by=token, heartbeat_at=heartbeat, job_state=JobState.RUNNING)
        # A worker writing its load holds this row to its commit: it lives, whatever its heartbeat says.
        locking = connection.features.has_select_for_update_skip_locked
        if locking and not rows.select_for_update(skip_locked=True).values_list("pk", flat=True):
            return 0
        batch = rows.only("pk", "status", "job", "language").first()
        if batch is None:
            return 0
        with translation.override(batch.language or settings.LANGUAGE_CODE):
            if not job:  # a command-line load (import_data) killed before it committed: its file is not kept
                reason = _("Lệnh nhập dữ liệu đã dừng giữa chừng (tiến trình bị tắt); không ghi gì.")
                return rows.filter(status=ImportStatus.RUNNING).update(
                    status=ImportStatus.FAILED,
                    job_state=JobState.DONE,
                    stage=JobStage.DONE,
                    file_errors=[[None, "", "", reason]],
                    finished_at=timezone.now(),
                )
            if attempts >= MAX_ATTEMPTS:
                reason = _("Việc đã bị gián đoạn %(count)s lần; hãy gửi lại tệp.") % {"count": MAX_ATTEMPTS}
                if job == JobKind.UNDO:
                    changes = {"undo_refusal": {"message": reason, "details": []}, "undone_by": None}
                else:
                    changes = {}
                    if batch.status in (ImportStatus.PREVIEWING, ImportStatus.RUNNING):
                        changes = {"status": ImportStatus.FAILED, "file_errors": [[None, "", "", reason]]}
                        changes["finished_at"] = timezone.now()
                return rows.update(job_state=JobState.DONE, stage=JobStage.DONE, **changes)
        requeued = rows.update(job_state=JobState.QUEUED, stage=JobStage.QUEUED, claimed_by="")
        if requeued:
            run_batch_job.enqueue(batch_id=pk)
        return requeued


def _requeue_lost_tasks(stale) -> int:
    """Queue a task for every batch waiting without one (queued before an upgrade, or its task row lost)."""
    from django_tasks_db.models import DBTaskResult

    waiting = set(
        ImportBatch.objects.filter(job_state=JobState.QUEUED, started_at__lt=stale).values_list("pk", flat=True)[:100]
    )
    if not waiting:
        return 0
    # A task waiting, or one claimed a moment ago (its worker has not claimed the batch yet); a task a dead
    # worker claimed long ago does not count.
    live = DBTaskResult.objects.filter(task_path=run_batch_job.module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=stale)
    )
    tasked = {
        (args_kwargs.get("kwargs") or {}).get("batch_id") for args_kwargs in live.values_list("args_kwargs", flat=True)
    }
    missing = waiting - tasked
    for pk in missing:
        run_batch_job.enqueue(batch_id=pk)
    return len(missing)


class Watchman:
    """A daemon thread running ``sweep`` every ``SWEEP_SECONDS`` (in each worker process)."""

    def __init__(self, every: float | None = None):
        self.every = SWEEP_SECONDS if every is None else every
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="import-watchman", daemon=True)

    def start(self) -> "Watchman":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        try:
            while True:
                try:
                    close_old_connections()
                    sweep()
                except Exception:
                    logger.exception("Import watchman: a sweep failed")
                if self._stop.wait(self.every):
                    return
        finally:
            connections.close_all()


# ---------------------------------------------------------------------------------------------
# Running the queued tasks: one at a time (tests), in a thread of the web process, or in db_worker


def _worker(worker_id: str):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=POLL_SECONDS,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id[:64],
        excluded_queue_names=[],
    )


def run_next(*, worker: str = "") -> bool:
    """Run the oldest ready task of the database backend with django-tasks-db's worker; return whether one ran.

    Safe inside a transaction (a test's): unlike ``Worker.run`` it never closes the connection.
    """
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    runner = _worker(worker or worker_name())
    with exclusive_transaction(DBTaskResult.objects.db):
        found = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
        if found is not None:
            found.claim(runner.worker_id)
    if found is None:
        return False
    runner.run_task(found)
    return True


_lock = threading.Lock()
_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None


def ensure_worker() -> None:
    """Start this process's worker thread if it is not running (``IMPORT_JOBS_THREAD``), and wake it."""
    global _thread
    if getattr(settings, "IMPORT_JOBS_INLINE", False) or not getattr(settings, "IMPORT_JOBS_THREAD", True):
        return
    with _lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(target=_work, name="import-jobs", daemon=True)
            _thread.start()
        _wake.set()


def start_with_server(**_signal) -> None:
    """Start the worker thread at a request if it is not running (``request_started``; cheap when it is)."""
    if _thread is None or not _thread.is_alive():
        ensure_worker()


def stop_worker(timeout: float = 30) -> None:
    """Stop this process's worker thread once its current job is done (tests, shutdown)."""
    global _thread
    with _lock:
        thread = _thread
        _stop.set()
        _wake.set()
    if thread is not None:
        thread.join(timeout)
    with _lock:
        if _thread is thread:
            _thread = None


def _work() -> None:
    name = worker_name()
    last_sweep = 0.0
    try:
        while not _stop.is_set():
            try:
                close_old_connections()
                if time.monotonic() - last_sweep >= SWEEP_SECONDS:
                    last_sweep = time.monotonic()
                    sweep()
                ran = run_next(worker=name)
            except Exception:
                logger.exception("Import worker %s: running a job failed", name)
                ran = False
            if not ran:
                _wake.wait(POLL_SECONDS)
                _wake.clear()
    finally:
        connections.close_all()
