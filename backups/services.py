"""Back up the whole database to one file and restore it (``manage.py backup_db`` / ``restore_db``).

PostgreSQL: ``pg_dump --format=custom`` (compressed, restorable table by table) and ``pg_restore --clean
--if-exists --no-owner --single-transaction`` (a failed restore changes nothing), with the connection
parameters of the Django database (host, port, user, name, SSL options; the password goes through the
environment, never the command line). The client programs must be of the server's major version or newer.

SQLite (the embedded default): SQLite's online backup API (``sqlite3.Connection.backup``), which copies a
consistent snapshot even while the app writes (WAL), and the same API the other way to restore.

A backup is written to ``<file>.part`` and renamed when complete and checked (``pg_restore --list``, or
SQLite's ``integrity_check``), so a file under the chosen name is always a whole backup.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _

PG_MAGIC = b"PGDMP"  # first bytes of a pg_dump custom-format archive
SQLITE_MAGIC = b"SQLite format 3\x00"
# libpq environment variables for the OPTIONS Django passes to psycopg2 (sslmode, sslrootcert…).
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
}


class BackupError(Exception):
    """A backup or restore could not be done; the message says why (Vietnamese), nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    vendor: str


def backup_database(*, path: Path, alias: str = "default") -> BackupResult:
    """Write a backup of the database ``alias`` to ``path`` (replaced when it exists) and check it can be read."""
    path = Path(path)
    connection = connections[alias]
    partial = path.with_name(path.name + ".part")
    try:
        if connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], connection)
            _run(["pg_restore", "--list", str(partial)], connection, database=False)
        elif connection.vendor == "sqlite":
            _sqlite_backup(connection, partial)
        else:
            raise BackupError(_("Không hỗ trợ sao lưu cơ sở dữ liệu %(vendor)s.") % {"vendor": connection.vendor})
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=path, size=path.stat().st_size, vendor=connection.vendor)


def restore_database(*, path: Path, alias: str = "default") -> None:
    """Replace the content of the database ``alias`` by the backup in ``path`` (all or nothing on PostgreSQL)."""
    path = Path(path)
    connection = connections[alias]
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(_("Không đọc được tệp %(file)s: %(error)s") % {"file": path, "error": error}) from None
    connection.close()  # no open transaction or lock of ours in the way
    if connection.vendor == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(_("Tệp %(file)s không phải bản sao lưu PostgreSQL (pg_dump -Fc).") % {"file": path})
        options = ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction"]
        _run(["pg_restore", *options, f"--dbname={connection.settings_dict['NAME']}", str(path)], connection)
    elif connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(_("Tệp %(file)s không phải bản sao lưu SQLite.") % {"file": path})
        _sqlite_restore(connection, path)
    else:
        raise BackupError(_("Không hỗ trợ khôi phục cơ sở dữ liệu %(vendor)s.") % {"vendor": connection.vendor})
    connection.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the client programs, with the Django connection's parameters


def _run(command: list[str], connection, *, database: bool = True) -> None:
    """Run a PostgreSQL client program against the Django database; raise BackupError with its message on failure."""
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            _(
                "Không tìm thấy chương trình %(program)s: hãy cài gói postgresql-client (cùng phiên bản chính với "
                "máy chủ PostgreSQL hoặc mới hơn)."
            )
            % {"program": command[0]}
        )
    env = _libpq_environment(connection.settings_dict) if database else dict(os.environ)
    result = subprocess.run([program, *command[1:]], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s báo lỗi (mã %(code)s): %(error)s")
            % {"program": command[0], "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


def _libpq_environment(settings_dict: dict) -> dict[str, str]:
    """Return the environment that points libpq's programs at the Django database."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    env["PGDATABASE"] = settings_dict["NAME"]
    for option, variable in LIBPQ_OPTIONS.items():
        if settings_dict.get("OPTIONS", {}).get(option) is not None:
            env[variable] = str(settings_dict["OPTIONS"][option])
    return env


# ---------------------------------------------------------------------------------------------
# SQLite: the online backup API


def _sqlite_backup(connection, target: Path) -> None:
    connection.ensure_connection()
    try:
        destination = sqlite3.connect(target)
    except sqlite3.Error as error:
        raise BackupError(_("Không ghi được tệp %(file)s: %(error)s") % {"file": target, "error": error}) from None
    try:
        connection.connection.backup(destination)
        # One self-contained file: the snapshot carries the live database's WAL mode, which would add -wal/-shm files.
        destination.execute("PRAGMA journal_mode=DELETE")
        (status,) = destination.execute("PRAGMA integrity_check").fetchone()
        if status != "ok":
            raise BackupError(_("Bản sao lưu vừa ghi bị lỗi: %(status)s") % {"status": status})
    finally:
        destination.close()


def _sqlite_restore(connection, source_path: Path) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        (status,) = source.execute("PRAGMA integrity_check").fetchone()
        has_migrations = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
        if status != "ok" or not has_migrations:
            raise BackupError(_("Tệp %(file)s không phải bản sao lưu dùng được của ứng dụng.") % {"file": source_path})
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()
