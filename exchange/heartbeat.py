"""The heartbeat of a running import: how a job (``exchange.jobs``) or a command-line load
(``exchange.services.run_import``) tells the watchman that its worker is alive.

Below both (it imports neither), so the service and the job runner share it without an import cycle.
"""

import logging
import os
import socket
import threading
import uuid

from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from .models import ImportBatch, ImportStatus, JobState

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


def worker_name() -> str:
    """Return a name for this worker (host, process, thread), unique enough to claim a batch with."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"[-100:]


class Heartbeat:
    """A thread writing the claimed batch's ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` while the job lives.

    It stops when the job ends; ``lost`` turns true when the batch is no longer this job's (cancelled,
    or taken over), and the job then stops at its next step. Not started inside a transaction (a test's):
    another connection would not see the batch.
    """

    def __init__(self, batch_id: int, token: str, *, every: float | None = None):
        self.batch_id, self.token = batch_id, token
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.lost = False
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if self.token and not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{self.batch_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.every + 10)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    beating = ImportBatch.objects.filter(
                        pk=self.batch_id, claimed_by=self.token, job_state=JobState.RUNNING
                    ).exclude(status=ImportStatus.CANCELLED)
                    if not beating.update(heartbeat_at=timezone.now()):
                        self.lost = True
                        return
                except DatabaseError:  # locked for a moment (SQLite), or a dropped connection: try again
                    logger.info("Heartbeat of batch %s missed", self.batch_id, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()
