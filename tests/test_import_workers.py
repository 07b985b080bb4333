"""Real workers, killed or stalled: a job runs once while its worker lives, and a dead one is resumed.

Each test runs ``manage.py run_import_jobs`` (django-tasks-db's worker with the watchman) as separate
processes on a database file of its own (a copy of one migrated for the module), with the stale limit,
heartbeat and sweep shortened to seconds, and reads the outcome straight from the database file.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = 40

SETUP = """
import os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from exchange import heartbeat, jobs
heartbeat.HEARTBEAT_SECONDS = float(os.environ.get("TEST_HEARTBEAT", "0.5"))
jobs.SWEEP_SECONDS = 0.5
"""

PREPARE = """
from personnel.models import OrgUnit
from personnel.services import rebuild_unit_paths
from exchange.services import confirm_batch, submit_file
from exchange.testing import csv_bytes, template_rows
from exchange.models import ImportBatch
from django.core.management import call_command

city = OrgUnit.objects.create(code="HN", name="Thành phố Hà Nội", level="thanh_pho")
OrgUnit.objects.create(code="H01", name="UBND quận Ba Đình", level="huyen", parent=city)
rebuild_unit_paths()
records = [
    {"Mã cán bộ": f"W{i:03d}", "Họ và tên": "Lê Văn Công", "Ngày sinh": "01/01/1980", "Mã đơn vị": "H01",
     "Đối tượng": "cong_chuc"}
    for i in range(int(sys.argv[1]))
]
batch = submit_file(kind="nhan_su", file_name="nhan_su.csv", content=csv_bytes(template_rows("nhan_su", records)),
                    user=None)
call_command("run_import_jobs", "--once", verbosity=0)
confirm_batch(batch=ImportBatch.objects.get(pk=batch.pk), user=None)
print(batch.pk)
"""

# A worker whose load stalls: in its check (heartbeat alive), or inside its write transaction.
WORKER = """
import exchange.resources
stall = os.environ.get("TEST_STALL", "")
seconds = float(os.environ.get("TEST_STALL_SECONDS", "0"))
if stall == "check":
    check = exchange.resources.TemplateResource.check
    def slow_check(self, *args, **kwargs):
        time.sleep(seconds)
        return check(self, *args, **kwargs)
    exchange.resources.TemplateResource.check = slow_check
elif stall == "write":
    write = exchange.resources.PersonResource.write
    def slow_write(self, *args, **kwargs):
        time.sleep(seconds)
        return write(self, *args, **kwargs)
    exchange.resources.PersonResource.write = slow_write
from django.core.management import call_command
call_command("run_import_jobs", "--poll", "0.2", verbosity=0)
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("workers") / "migrated.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=environment(path),
        check=True,
        timeout=300,
    )
    return path


def environment(database: Path, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "IMPORT_JOBS_THREAD": "0",
        "IMPORT_JOBS_INLINE": "0",
        "IMPORT_JOB_STALE_SECONDS": "3",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.fixture
def database(migrated, tmp_path):
    path = tmp_path / "db.sqlite3"
    shutil.copy(migrated, path)
    return path


def prepare(database: Path) -> int:
    """Return the id of a batch of ROWS persons, previewed and confirmed: its load is queued."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SETUP + PREPARE), str(ROWS)],
        cwd=ROOT,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return int(done.stdout.strip().splitlines()[-1])


def start_worker(database: Path, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SETUP + WORKER)],
        cwd=ROOT,
        env=environment(database, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def batch_row(database: Path, pk: int) -> dict:
    for _attempt in range(50):
        try:
            with sqlite3.connect(database, timeout=10) as db:
                db.row_factory = sqlite3.Row
                row = db.execute("SELECT * FROM exchange_importbatch WHERE id = ?", [pk]).fetchone()
                persons = db.execute("SELECT COUNT(*) FROM personnel_person").fetchone()[0]
                history = db.execute("SELECT COUNT(*) FROM personnel_historicalperson").fetchone()[0]
            return {**dict(row), "persons": persons, "history": history}
        except sqlite3.OperationalError:  # locked for a moment by a worker
            time.sleep(0.1)
    raise AssertionError("database locked")


def wait_until(database: Path, pk: int, condition, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = batch_row(database, pk)
        if condition(row):
            return row
        time.sleep(0.2)
    raise AssertionError(f"batch {pk} stayed {batch_row(database, pk)}")


def test_a_killed_worker_s_job_is_found_and_resumed_within_a_minute_by_another_worker(database):
    pk = prepare(database)
    first = start_worker(database, TEST_STALL="check", TEST_STALL_SECONDS="600")
    try:
        running = wait_until(database, pk, lambda row: row["job_state"] == "running" and row["claimed_by"])
        os.killpg(first.pid, signal.SIGKILL)  # no goodbye: the batch says "running", its heartbeat stops
        first.wait(10)
    finally:
        stop(first)
    killed_at = time.monotonic()
    second = start_worker(database)
    try:
        done = wait_until(database, pk, lambda row: row["job_state"] == "done", seconds=60)
    finally:
        stop(second)

    assert time.monotonic() - killed_at < 60
    assert (done["status"], done["attempts"], done["persons"], done["history"]) == ("applied", 2, ROWS, ROWS)
    assert done["claimed_by"] != running["claimed_by"]


def test_a_live_worker_s_job_is_not_taken_over_while_its_heartbeat_beats(database):
    pk = prepare(database)
    first = start_worker(database, TEST_STALL="check", TEST_STALL_SECONDS="6")
    second = None
    try:
        running = wait_until(database, pk, lambda row: row["job_state"] == "running" and row["claimed_by"])
        # Started once the first has the job (else it might simply claim it first): its watchman looks every
        # half second, and the stale limit is 3 s.
        second = start_worker(database)
        done = wait_until(database, pk, lambda row: row["job_state"] == "done", seconds=60)
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert (done["status"], done["attempts"], done["persons"], done["history"]) == ("applied", 1, ROWS, ROWS)
    assert done["claimed_by"] == running["claimed_by"]


def test_a_worker_whose_heartbeat_stalls_while_it_writes_is_not_taken_over_and_the_batch_tells_the_truth(database):
    pk = prepare(database)
    # No heartbeat at all (one every hour), and 6 s inside the write transaction, past the 3 s stale limit.
    first = start_worker(database, TEST_STALL="write", TEST_STALL_SECONDS="6", TEST_HEARTBEAT="3600")
    second = start_worker(database)
    try:
        done = wait_until(database, pk, lambda row: row["job_state"] == "done", seconds=90)
        time.sleep(3)  # the second worker's watchman has looked again since
        after = batch_row(database, pk)
    finally:
        stop(first)
        stop(second)

    assert (done["status"], done["persons"], done["history"]) == ("applied", ROWS, ROWS)  # written once
    assert (after["status"], after["persons"], after["history"]) == ("applied", ROWS, ROWS)
    assert json.loads(after["file_errors"]) == []


COMMAND = """
import exchange.resources
check = exchange.resources.TemplateResource.check
def stalled_check(self, *args, **kwargs):
    time.sleep(600)
exchange.resources.TemplateResource.check = stalled_check
from django.core.management import call_command
call_command("import_data", "nhan_su", sys.argv[1])
"""


def test_a_killed_import_data_command_is_failed_by_a_worker_within_a_minute(database, tmp_path):
    prepare(database)  # units, and a load left queued (run by the worker too)
    path = tmp_path / "nhan_su.csv"
    path.write_text("Mã cán bộ,Họ và tên,Ngày sinh,Mã đơn vị,Đối tượng\r\nK1,Lê Văn Công,01/01/1980,H01,cong_chuc\r\n")
    command = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SETUP + COMMAND), str(path)],
        cwd=ROOT,
        env=environment(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with sqlite3.connect(database, timeout=10) as db:
            deadline = time.monotonic() + 60
            while not db.execute("SELECT id FROM exchange_importbatch WHERE job = ''").fetchone():
                assert time.monotonic() < deadline
                time.sleep(0.2)
            pk = db.execute("SELECT id FROM exchange_importbatch WHERE job = ''").fetchone()[0]
        assert batch_row(database, pk)["status"] == "running"
    finally:
        stop(command)  # SIGKILL: the command's batch says "running", and nobody will finish it
    killed_at = time.monotonic()
    worker = start_worker(database)
    try:
        failed = wait_until(database, pk, lambda row: row["status"] == "failed", seconds=60)
    finally:
        stop(worker)

    assert time.monotonic() - killed_at < 60
    assert failed["job_state"] == "done"
    assert "dừng giữa chừng" in json.loads(failed["file_errors"])[0][3]
