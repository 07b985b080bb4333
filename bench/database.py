"""The benchmark's own PostgreSQL database: created fresh, migrated, dropped after (unless kept).

It refuses every name another user of the server relies on (``postgres``, templates, the test suite's
``test`` and ``test_*`` databases), so a typo in ``--database-url`` cannot wipe them.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

PROTECTED = {"postgres", "template0", "template1", "test"}


class DatabaseError(RuntimeError):
    pass


def database_name(url: str) -> str:
    """Return the database name of a postgres:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise DatabaseError(f"the benchmark needs a PostgreSQL URL (postgres://…), not {parts.scheme}://")
    name = parts.path.lstrip("/")
    if not name:
        raise DatabaseError("the database URL names no database")
    return name


def check_name(name: str) -> None:
    """Refuse the names of databases the benchmark must never drop."""
    if name in PROTECTED or name.startswith(("test_", "template")):
        raise DatabaseError(f"refusing to use database {name!r}: the benchmark drops and recreates its database")


def dsn(url: str) -> str:
    """Return a libpq connection string for a postgres:// URL (psycopg2 accepts URLs as they are)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def maintenance_dsn(url: str) -> str:
    """Return the URL of the server's ``postgres`` database, from which databases are created and dropped."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))


def _admin(url: str):
    import psycopg2

    connection = psycopg2.connect(maintenance_dsn(url))
    connection.autocommit = True
    return connection


def ping(url: str) -> None:
    """Raise DatabaseError, with the reason, when the PostgreSQL server of ``url`` cannot be reached."""
    import psycopg2

    try:
        _admin(url).close()
    except psycopg2.Error as error:
        raise DatabaseError(f"cannot reach PostgreSQL at {maintenance_dsn(url)}: {error}".strip()) from error


def exists(url: str) -> bool:
    """Return whether the benchmark database exists."""
    name = database_name(url)
    connection = _admin(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def recreate(url: str) -> None:
    """Drop the benchmark database (closing its sessions) and create it empty."""
    name = database_name(url)
    check_name(name)
    connection = _admin(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        connection.close()


def drop(url: str) -> None:
    """Drop the benchmark database."""
    name = database_name(url)
    check_name(name)
    connection = _admin(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def use(url: str) -> None:
    """Point Django at the benchmark database and set it up (call before anything imports models)."""
    import django

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Time the product as deployed: no debug query log, not the production hardening (no TLS here).
    os.environ["DEBUG"] = "0"
    if os.environ.get("DJANGO_ENV") == "production":
        os.environ["DJANGO_ENV"] = "development"
    # The benchmark runs its imports itself (exchange.services.run_import) and the scale step has its own worker:
    # no import-job thread in this process, which would outlive the database the benchmark drops at the end.
    os.environ.setdefault("IMPORT_JOBS_THREAD", "0")
    django.setup()


def migrate() -> None:
    """Apply every migration to the benchmark database."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def server_info(url: str) -> dict:
    """Return the server's version and the settings that matter for these figures."""
    from django.db import connection

    names = [
        "server_version",
        "shared_buffers",
        "work_mem",
        "maintenance_work_mem",
        "effective_cache_size",
        "max_parallel_workers_per_gather",
        "jit",
        "random_page_cost",
    ]
    info = {}
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SHOW {name}")
            info[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        info["database_size"] = cursor.fetchone()[0]
    return info
