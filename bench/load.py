"""Pages under load: gunicorn serving the benchmark database, ten users requesting a page for N seconds.

The users are threads of this process, each with its own keep-alive HTTP connection (``http.client``)
and the session cookie of one logged-in account: a leader of the whole city, the dashboards' audience
and the largest scope (the heaviest dashboard and search; person pages with masked citizen IDs and an
access-log row per view). Admins need a second factor to log in, so they are not the benchmark's users.
Every page is first requested once; a page that answers 404 or 500 (still being
built) is reported "not available" and skipped. The number of queries of each page is counted in this
process with Django's test client and ``CaptureQueriesContext`` against the same database: the first
request (cold caches) and a second one (warm caches), which differ when a page caches its figures.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-Mat-khau-2025"
REQUEST_TIMEOUT = 30.0  # seconds; a slower answer counts as an error
ADMIN, HR, LEADER = "bench-admin", "bench-hr", "bench-leader"


@dataclass
class PageResult:
    name: str
    path: str
    available: bool = False
    status: int | None = None
    detail: str = ""
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    first_request_s: float | None = None  # alone, on a freshly started server
    warm_request_s: float | None = None  # alone, after that
    queries_first: int | None = None
    queries_repeat: int | None = None
    query_note: str = ""
    in_process_ms: float | None = None  # median of one request in this process (test client), warm

    @property
    def rps(self) -> float | None:
        return self.requests / self.seconds if self.seconds else None

    def quantile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "available": self.available,
            "status": self.status,
            "detail": self.detail,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "requests_per_s": None if self.rps is None else round(self.rps, 1),
            "p50_ms": _ms(self.quantile(0.50)),
            "p95_ms": _ms(self.quantile(0.95)),
            "p99_ms": _ms(self.quantile(0.99)),
            "max_ms": _ms(max(self.latencies) if self.latencies else None),
            "mean_ms": _ms(statistics.fmean(self.latencies) if self.latencies else None),
            "first_request_alone_ms": _ms(self.first_request_s),
            "warm_request_alone_ms": _ms(self.warm_request_s),
            "in_process_ms": self.in_process_ms,
            "queries_first": self.queries_first,
            "queries_repeat": self.queries_repeat,
            "query_note": self.query_note,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# ---------------------------------------------------------------------------------------------
# Accounts and what to request


def ensure_users() -> dict[str, object]:
    """Create (or reset) the benchmark's accounts: a city-wide admin and leader, and HR of the unit of today's
    tree that took most of the first district (its primary successor; the district itself if still open)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from personnel.models import OrgUnit

    root = OrgUnit.objects.roots().order_by("code").first()
    district = OrgUnit.objects.filter(level="huyen").order_by("code").first() or root
    if district.closed_on is not None:
        district = district.primary_successor or root
    users = {}
    for username, role, unit in ((ADMIN, "admin", root), (HR, "hr", district), (LEADER, "leader", root)):
        user, _created = get_user_model().objects.get_or_create(username=username)
        user.unit = unit
        user.is_staff = user.is_superuser = role == "admin"
        user.set_password(PASSWORD)
        user.save()
        group = Group.objects.filter(name=role).first()
        if group:
            user.groups.add(group)
        users[role] = user
    return users


@dataclass
class Target:
    name: str
    url_name: str
    paths: list[str]  # requested in turn; empty when the page's URL is not defined

    @property
    def example(self) -> str:
        return self.paths[0] if self.paths else ""

    def path(self, n: int) -> str:
        return self.paths[n % len(self.paths)] if self.paths else ""


COMMON_QUERIES = ["nguyen van", "tran thi", "le minh", "pham thi thu", "hoang", "vu duc", "dang", "bui thi"]


def targets(*, year: int = 2025, sample: int = 200, seed: int = 7, split_search: bool = False) -> list[Target]:
    """Return the pages to request: the dashboard, person searches (varied queries), person pages (varied persons).

    ``split_search``: two searches instead of one, common names and rare ones (full names, given names, codes).
    """
    import random

    from django.urls import NoReverseMatch, reverse

    from core.text import fold
    from personnel.models import Person

    rng = random.Random(seed)
    employed = list(Person.objects.filter(end_date__isnull=True).order_by("pk").values_list("pk", flat=True))
    chosen = sorted(rng.sample(employed, min(sample, len(employed))))
    fields = ("code", "family_name", "middle_name", "given_name", "full_name")
    people = list(Person.objects.filter(pk__in=chosen).order_by("pk").values_list(*fields))
    rng.shuffle(people)
    queries = list(COMMON_QUERIES)
    rare = []
    for code, family, middle, given, full in people[:24]:
        queries += [fold(f"{family} {middle}"), fold(given), fold(full), code[:-2].lower()]
        rare += [fold(full), fold(given), code[:-2].lower()]
    rng.shuffle(queries)

    def url(name: str, *args) -> str:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return ""

    dashboard = url("reports:dashboard")
    person_list = url("personnel:person_list")
    if split_search and person_list:
        # Issue #19: a common name ("nguyen": a fifth of the city) and rare ones (a full name, a given name, a code).
        common = ["nguyen", "nguyen van", "tran thi", "nguyen thi", "van", "thi", "le van", "pham"]

        def search(words: list[str]) -> list[str]:
            return [f"{person_list}?{urlencode({'q': q})}" for q in words]

        return [
            Target("dashboard", "reports:dashboard", [f"{dashboard}?year={year}"] if dashboard else []),
            Target("person search, common", "personnel:person_list", search(common)),
            Target("person search, rare", "personnel:person_list", search(rare)),
            Target(
                "person page",
                "personnel:person_detail",
                [path for path in (url("personnel:person_detail", row[0]) for row in people) if path],
            ),
        ]  # fmt: skip
    return [
        Target("dashboard", "reports:dashboard", [f"{dashboard}?year={year}"] if dashboard else []),
        Target(
            "person search",
            "personnel:person_list",
            [f"{person_list}?{urlencode({'q': query})}" for query in queries] if person_list else [],
        ),
        Target(
            "person page",
            "personnel:person_detail",
            [path for path in (url("personnel:person_detail", row[0]) for row in people) if path],
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Query counts, in process


def count_queries(user, target: Target, result: PageResult) -> None:
    """Count the queries of one request of the page (cold, then warm), with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    path = target.path(0)
    if not path:
        result.query_note = "URL not defined"
        return
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for attempt in ("first", "repeat"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            try:
                response = client.get(path)
            except Exception as error:  # a page under construction: report, do not stop the benchmark
                result.query_note = f"{type(error).__name__}: {error}"[:200]
                return
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            result.query_note = f"HTTP {response.status_code}"
            return
        setattr(result, f"queries_{attempt}", len(queries))
        if elapsed > 10:
            result.query_note = f"one request took {elapsed:.1f} s in process; not repeated"
            return


def profile_alone(user, target: Target, result: PageResult, *, count: int = 20) -> None:
    """Time ``count`` requests of the page's paths one after another in this process: the cost of one request."""
    from django.test import Client

    if not target.paths or result.queries_first is None:
        return
    client = Client(raise_request_exception=False)
    client.force_login(user)
    times = []
    for n in range(count):
        started = time.perf_counter()
        response = client.get(target.path(n))
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            return
    result.in_process_ms = _ms(statistics.median(times))


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn serving the benchmark database (2 workers × 4 threads, like the 2-core target machine)."""

    log = PROJECT / "bench-results" / "gunicorn.log"

    def __init__(self, database_url: str, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.database_url = database_url
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            DJANGO_ENV="development",
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        self.log.parent.mkdir(exist_ok=True)
        log = open(self.log, "ab")  # closed in __exit__
        log.write(f"\n==== gunicorn on port {self.port}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        log.flush()
        self._log_file = log
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(self.workers), "--threads", str(self.threads),
            "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}; see {self.log}")
            try:
                status, _body, _headers = request(self.port, "GET", "/dang-nhap/")
                if status:
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        # Quick shutdown (SIGINT): requests still running after a timed-out measurement must not load the next one.
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        cancel_running_queries()


def cancel_running_queries() -> int:
    """Cancel the queries other sessions still run on the benchmark database (a stopped server's); return how many."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
        )
        return cursor.fetchone()[0]


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """Make one request on a fresh connection; return (status, body, headers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response.getheaders()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def log_in(port: int, username: str) -> tuple[str, str]:
    """Log in through the login form; return (Cookie header, how). Fall back to a server-side session."""
    try:
        status, body, headers = request(port, "GET", "/dang-nhap/")
        jar = _cookies(headers)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status == 200 and match and "csrftoken" in jar:
            form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)})
            status, _body, headers = request(
                port,
                "POST",
                "/dang-nhap/",
                body=form.encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={jar['csrftoken']}",
                    "Referer": f"http://127.0.0.1:{port}/dang-nhap/",
                },
            )
            jar.update(_cookies(headers))
            if status in (301, 302, 303) and "sessionid" in jar:
                return f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}", "login form"
            why = f"login form answered {status}"
        else:
            why = f"login page answered {status}"
    except OSError as error:
        why = f"login failed: {error}"
    return f"sessionid={_server_session(username)}", f"server-side session ({why})"


def _server_session(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


# ---------------------------------------------------------------------------------------------
# The users


def drive(port: int, cookie: str, target: Target, *, users: int, seconds: float, warmup: float) -> PageResult:
    """Probe the page, then let ``users`` threads request it for ``seconds`` (after ``warmup`` unmeasured seconds)."""
    result = PageResult(target.name, target.example)
    path = target.path(0)
    if not path:
        result.detail = f"not available: URL {target.url_name} is not defined"
        return result
    # Alone first: cold (a page may cache what its first request computes), then warm; the server has two
    # workers, each with its own memory cache, so the warm figure is the better of two requests.
    alone = []
    for _attempt in range(3):
        try:
            began = time.perf_counter()
            status, _body, _headers = request(port, "GET", path, headers={"Cookie": cookie})
            alone.append(time.perf_counter() - began)
        except OSError as error:
            result.detail = f"not available: {error}"
            return result
        result.status = status
        if status != 200:
            result.detail = f"not available: HTTP {status}"
            return result
        result.available = True
        if alone[0] > REQUEST_TIMEOUT:
            # Alone it is slower than the users' patience: under load every request would time out.
            result.latencies = list(alone)
            result.detail = f"one request alone took {alone[0]:.1f} s (> {REQUEST_TIMEOUT:.0f} s): not put under load"
            return result
    result.first_request_s, result.warm_request_s = alone[0], min(alone[1:])
    # A page that takes seconds even warm is far from its target: a warm-up would only add minutes to the run.
    if warmup and result.warm_request_s < 2:
        _run(port, cookie, target, users=users, seconds=warmup, sink=None)
    sink = {"latencies": [], "ok": 0, "errors": 0, "statuses": {}}
    started = time.perf_counter()
    _run(port, cookie, target, users=users, seconds=seconds, sink=sink)
    result.seconds = time.perf_counter() - started
    result.latencies = sink["latencies"]
    result.requests = sink["ok"]
    result.errors = sink["errors"]
    if sink["statuses"]:
        result.detail = "errors: " + ", ".join(f"{k}×{v}" for k, v in sorted(sink["statuses"].items()))
    return result


def _run(port: int, cookie: str, target: Target, *, users: int, seconds: float, sink: dict | None) -> None:
    """Let ``users`` threads request the page until ``seconds`` have passed; a request over REQUEST_TIMEOUT fails.

    A request that times out counts as an error and its time (the timeout) as a latency, so p95 shows it.
    """
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    counter = iter(range(10**9))

    def user(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        latencies, ok, errors, statuses = [], 0, 0, {}
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            path = target.path(n)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                status = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
            elapsed = time.perf_counter() - started
            if status == 200 or status == "timeout":
                latencies.append(elapsed)
            if status == 200:
                ok += 1
            else:
                errors += 1
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()
        if sink is not None:
            with lock:
                sink["latencies"].extend(latencies)
                sink["ok"] += ok
                sink["errors"] += errors
                for key, value in statuses.items():
                    sink["statuses"][key] = sink["statuses"].get(key, 0) + value

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(*, database_url: str, users: int, seconds: float, warmup: float, say) -> tuple[dict[str, PageResult], str]:
    """Return the load figures and query counts of the pages (search: common and rare), and how the users logged in."""
    accounts = ensure_users()
    pages = targets(split_search=True)
    Server.log.unlink(missing_ok=True)  # one log of this run's servers
    results: dict[str, PageResult] = {}
    cookie = how = ""
    for target in pages:
        # A fresh server for each page, so that one page's slow requests do not weigh on the next.
        with Server(database_url) as server:
            if not cookie:
                cookie, how = log_in(server.port, LEADER)
                say(f"pages: gunicorn (2 workers × 4 threads) on 127.0.0.1; logged in as {LEADER} by {how}")
            result = drive(server.port, cookie, target, users=users, seconds=seconds, warmup=warmup)
        results[target.name] = result
        if result.available:
            say(
                f"  {target.name}: {result.rps:.1f} req/s, p50 {_ms(result.quantile(0.5))} ms, "
                f"p95 {_ms(result.quantile(0.95))} ms, {result.errors} errors {result.detail}"
            )
        else:
            say(f"  {target.name}: {result.detail}")
    for target in pages:
        count_queries(accounts["leader"], target, results[target.name])
        profile_alone(accounts["leader"], target, results[target.name])
        result = results[target.name]
        counts = f"{result.queries_first} (first), {result.queries_repeat} (repeat)"
        say(f"  {target.name}: queries {counts} {result.query_note}")
    return results, how


def run_mixed(*, database_url: str, users: int, seconds: float, say) -> PageResult:
    """Return the figures of ``users`` users requesting the three pages in turn for ``seconds`` (any non-200
    answer, or one slower than REQUEST_TIMEOUT, is an error)."""
    ensure_users()
    pages = targets()
    available = [target for target in pages if target.paths]
    longest = max((len(target.paths) for target in available), default=0)
    mixed = [target.path(n) for n in range(longest) for target in available]
    target = Target(f"{users} users, mixed pages", "", mixed)
    with Server(database_url) as server:
        cookie, how = log_in(server.port, LEADER)
        say(f"load: {users} users for {seconds:.0f} s on dashboard, person search and person page ({how})")
        return drive(server.port, cookie, target, users=users, seconds=seconds, warmup=0)
