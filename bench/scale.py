"""Two app servers, proven (issue #19, part 5): two gunicorn servers and one import-job worker against the same
PostgreSQL database, with Redis as their shared cache.

``python -m bench --only scale`` (``make scale-check``) runs, against the benchmark database:

1. Redis on 127.0.0.1:6379: used when it answers; otherwise Debian's ``redis-server`` is started (no
   persistence) and stopped at the end. The servers use its database ``REDIS_DB`` (not the default 0).
2. Server A and server B: each ``gunicorn config.wsgi`` (2 workers × 4 threads) on its own port, with
   ``REDIS_URL`` set and ``IMPORT_JOBS_THREAD=0``; and one ``manage.py run_import_jobs`` worker.
3. A training record written through A appears on B's dashboard: HR of a district writes, through A's API
   (a token), a completed course of the type indicator ``FRESH_INDICATOR`` asks for, for a person of the
   district who did not meet it; B's dashboard (a city-wide leader, the whole city) is asked again every
   ``POLL_S`` seconds until the indicator's count of persons who meet it has grown by one. The figure is
   the time from A's answer to the first answer of B that shows it (target ≤ 1 s), with how long that answer
   took (B brings the stored figures up to date in it). The record is deleted again through A afterwards, and
   the time until B shows the count as before is printed too (a second sample of the same path).
4. 50 users over both servers for 60 s: ``bench.load``'s users (dashboard, person search and person page in
   turn, as the city-wide leader), even-numbered ones on A, odd ones on B; any answer but 200, or one slower
   than 30 s, is an error (target 0).
5. An import submitted on A is run by the worker and its result seen on B: the admin (password, then the
   code of an authenticator app enrolled for the benchmark) uploads a personnel file of ``IMPORT_ROWS`` new
   persons on A, the worker previews it, the admin confirms it on B, the worker writes it, and B's batch
   page shows it written ("Đã ghi"). The imported persons are deleted afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 3
FRESH_INDICATOR = "CC-4"  # annual: one completed course of a type in the year
FRESH_TARGET_S = 1.0
POLL_S = 0.05
YEAR = 2025
IMPORT_ROWS = 200
IMPORT_PREFIX = "BSC"
IMPORT_TIMEOUT_S = 120.0


@dataclass
class Check:
    label: str
    value: str
    target: str
    passed: bool | None  # None: not measured
    detail: str = ""
    figures: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "MISS"

    def as_json(self) -> dict:
        return {**self.__dict__, "status": self.status}


# ---------------------------------------------------------------------------------------------
# Redis


def redis_answers(host: str = REDIS_HOST, port: int = REDIS_PORT) -> bool:
    """Return whether a Redis server answers PING at host:port."""
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Redis:
    """The Redis the servers share: the one answering on 127.0.0.1:6379, else one started here (and stopped)."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.how = ""

    def __enter__(self) -> Redis:
        if redis_answers():
            self.how = f"already answering on {REDIS_HOST}:{REDIS_PORT}"
            return self
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", REDIS_HOST, "--save", "", "--appendonly", "no"]
        try:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError as error:
            raise RuntimeError("no Redis answers on 127.0.0.1:6379 and redis-server is not installed") from error
        deadline = time.monotonic() + 10
        while not redis_answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)
        self.how = f"redis-server started on {REDIS_HOST}:{REDIS_PORT} (pid {self.process.pid})"
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


# ---------------------------------------------------------------------------------------------
# The servers and the worker


class Worker:
    """One ``manage.py run_import_jobs`` process (django-tasks-db's worker and the watchman)."""

    log = PROJECT / "bench-results" / "import-worker.log"

    def __init__(self, database_url: str, redis_url: str):
        self.env = _env(database_url, redis_url)
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        self.log.parent.mkdir(exist_ok=True)
        self._log_file = open(self.log, "ab")  # closed in __exit__
        command = [sys.executable, "manage.py", "run_import_jobs", "--poll", "0.5"]
        self.process = subprocess.Popen(
            command, cwd=PROJECT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # db_worker stops after its current task
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        IMPORT_JOBS_THREAD="0",
        DJANGO_ENV="development",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


class _Environ:
    """Set environment variables while the servers start (``bench.load.Server`` passes its own on)."""

    def __init__(self, **values: str):
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self):
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ---------------------------------------------------------------------------------------------
# HTTP


class Browser:
    """One user's cookies on one server (the session is in the database: any server accepts it)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.split(";", 1)[0].partition("=")
                    self.cookies[key.strip()] = rest.strip()
            return response.status, content, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict, *, csrf_from: str) -> tuple[int, bytes, dict]:
        """GET ``csrf_from`` for the form's token, then POST ``fields`` with it."""
        _status, page, _headers = self.get(csrf_from)
        token = _csrf(page)
        body = urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.origin + csrf_from}
        return self.request("POST", path, body, headers)

    def post_file(self, path: str, name: str, content: bytes, *, csrf_from: str) -> tuple[int, bytes, dict]:
        _status, page, _headers = self.get(csrf_from)
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{_csrf(page)}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": self.origin + csrf_from}
        return self.request("POST", path, body, headers)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _csrf(page: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1).decode()


def log_in(port: int, username: str, *, device=None) -> Browser:
    """Log in through the login form (and the code page, for an account with an authenticator app)."""
    from bench.load import PASSWORD

    browser = Browser(port)
    status, _body, _headers = browser.post_form(
        "/dang-nhap/", {"username": username, "password": PASSWORD}, csrf_from="/dang-nhap/"
    )
    if status not in (301, 302, 303):
        raise RuntimeError(f"login of {username} answered {status}")
    if device is not None:
        status, _body, _headers = browser.post_form(
            "/xac-thuc-hai-buoc/", {"code": totp_code(device)}, csrf_from="/xac-thuc-hai-buoc/"
        )
        if status not in (301, 302, 303):
            raise RuntimeError(f"the code page of {username} answered {status}")
    return browser


def totp_code(device) -> str:
    """Return the code the authenticator app of ``device`` shows now, as the server counts time steps.

    The server's step is the clock's plus the device's ``drift`` (django-otp's ``TOTP.t()``), and it refuses a
    code of a step already used (``last_t``): when this step's code was used (a login less than 30 s ago),
    wait for the next step rather than send a code of a step to come, which the server would take as clock
    drift and remember (``OTP_TOTP_SYNC``), moving every later code one step further.
    """
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while True:
        totp.time = time.time()
        if totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
        time.sleep(device.step - (totp.time - device.t0) % device.step + 0.05)


# ---------------------------------------------------------------------------------------------
# 3. A record written through A, on B's dashboard


def _numerator(page: bytes, code: str) -> int | None:
    match = re.search(
        rb'data-code="' + re.escape(code.encode()) + rb'".*?<span class="numerator">([^<]*)</span>', page, re.S
    )
    return int(re.sub(rb"\D", b"", match.group(1))) if match else None


def fresh_case(hr_unit) -> tuple[object, object]:
    """Return (a person of ``hr_unit``'s subtree who does not meet FRESH_INDICATOR in YEAR, a course of the
    YEAR of a type it asks for that the person has no result of)."""
    from reports.freshness import programme_indicators
    from reports.lists import unmet_queryset
    from targets.models import Programme
    from training.models import Course

    programme = Programme.objects.order_by("pk").first()
    indicator = next(i for i in programme_indicators(programme) if i.code == FRESH_INDICATOR)
    person = unmet_queryset(programme, indicator, hr_unit, year=YEAR).first()
    if person is None:
        raise RuntimeError(f"nobody in {hr_unit.code} misses {FRESH_INDICATOR}")
    course = (
        Course.objects.filter(types__code__in=indicator.course_types, end_date__year=YEAR)
        .exclude(records__person=person)
        .order_by("end_date", "pk")
        .first()
    )
    if course is None:
        raise RuntimeError(f"no {YEAR} course of the types of {FRESH_INDICATOR}")
    return person, course


def check_freshness(a_port: int, b_port: int, say) -> Check:
    """Write a training record through A; return how long until B's dashboard counts it."""
    from django.contrib.auth import get_user_model

    from bench.load import HR, LEADER, PASSWORD

    label = f"scale: a record written on A, on B's dashboard ({FRESH_INDICATOR} count +1)"
    hr = get_user_model().objects.get(username=HR)
    person, course = fresh_case(hr.unit)
    leader = log_in(b_port, LEADER)
    from django.urls import reverse

    dashboard = reverse("reports:dashboard") + f"?year={YEAR}"
    status, page, settled = _settled(leader, dashboard)
    before = _numerator(page, FRESH_INDICATOR)
    if status != 200 or before is None:
        return Check(label, f"dashboard answered {status}", f"≤ {FRESH_TARGET_S:g} s", None)
    api = Browser(a_port)
    body = json.dumps({"username": HR, "password": PASSWORD}).encode()
    status, answer, _h = api.request("POST", "/api/v1/auth/login/", body, {"Content-Type": "application/json"})
    token = json.loads(answer)["token"]
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    record = {"person": person.code, "course": course.code, "result": "hoan_thanh",
              "completed_on": course.end_date.isoformat()}  # fmt: skip
    status, answer, _h = api.request("POST", "/api/v1/training-records/", json.dumps(record).encode(), auth)
    written = time.perf_counter()
    if status != 201:
        return Check(label, f"API answered {status}: {answer[:120]!r}", f"≤ {FRESH_TARGET_S:g} s", None)
    record_id = json.loads(answer)["id"]
    seen = after = deleted = None
    polls = deleted_polls = 0
    answer_s = deleted_answer_s = 0.0
    try:
        seen, polls, answer_s, after = _poll(leader, dashboard, written, lambda count: count > before)
    finally:
        status, _answer, _h = api.request("DELETE", f"/api/v1/training-records/{record_id}/", None, auth)
        removed = time.perf_counter()
        if status == 204:  # the deletion, seen on B too (a second sample of the same path)
            deleted, deleted_polls, deleted_answer_s, _count = _poll(
                leader, dashboard, removed, lambda count: count == before
            )
        api.request("POST", "/api/v1/auth/logout/", None, auth)
    shown = "?" if after is None else f"{after:,}"
    detail = (
        f"{FRESH_INDICATOR} met {before:,} → {shown}; {polls} requests of B's dashboard, the one that showed it "
        f"took {answer_s:.2f} s; the record's deletion on A seen on B after "
        + ("—" if deleted is None else f"{deleted:.2f} s ({deleted_polls} requests, the last {deleted_answer_s:.2f} s)")
    )
    say(
        f"scale: B's figures current after {settled:.1f} s; record of {person.code} in {course.code} written on A;"
        f" {detail}; seen after {seen} s"
    )
    figures = {"before": before, "after": after, "polls": polls, "seconds": seen, "person": person.code,
               "course": course.code, "answer_seconds": answer_s, "deleted_seen_seconds": deleted,
               "settled_seconds": settled}  # fmt: skip
    if seen is None:
        return Check(label, "not seen within 10 s", f"≤ {FRESH_TARGET_S:g} s", False, detail, figures)
    return Check(label, f"{seen:.2f} s", f"≤ {FRESH_TARGET_S:g} s", seen <= FRESH_TARGET_S, detail, figures)


def _settled(browser: Browser, path: str, timeout: float = 120.0) -> tuple[int, bytes, float]:
    """Ask for the dashboard until its figures are current (not marked as being refreshed); return (status,
    page, seconds waited). Changes made before the check (an earlier run's import, say) are refreshed after
    the response that found them, evaluating the whole city when they are many: the write is measured from
    figures at rest, not behind that refresh."""
    started = time.perf_counter()
    while True:
        status, page, _h = browser.get(path)
        if status != 200 or b'data-refreshing="true"' not in page or time.perf_counter() - started > timeout:
            return status, page, time.perf_counter() - started
        time.sleep(0.5)


def _poll(browser: Browser, path: str, since: float, shows) -> tuple[float | None, int, float, int | None]:
    """Ask for the dashboard every POLL_S seconds (for at most 10 s) until ``shows(count)``; return (seconds
    from ``since`` to the answer that showed it or None, requests made, how long that answer took, the count)."""
    polls = 0
    count = None
    while time.perf_counter() - since < 10:
        asked = time.perf_counter()
        status, page, _h = browser.get(path)
        answered = time.perf_counter()
        polls += 1
        count = _numerator(page, FRESH_INDICATOR)
        if status == 200 and count is not None and shows(count):
            return answered - since, polls, answered - asked, count
        time.sleep(POLL_S)
    return None, polls, 0.0, count


# ---------------------------------------------------------------------------------------------
# 4. Users over both servers


def check_load(a_port: int, b_port: int, *, users: int, seconds: float, say) -> tuple[Check, Check]:
    """Let ``users`` users (half on A, half on B) request the three pages for ``seconds``; count errors."""
    from bench import load

    pages = [target for target in load.targets() if target.paths]
    longest = max(len(target.paths) for target in pages)
    mixed = load.Target("mixed", "", [target.path(n) for n in range(longest) for target in pages])
    sinks = {}
    threads = []
    for port, share in ((a_port, users - users // 2), (b_port, users // 2)):
        cookie, _how = load.log_in(port, load.LEADER)
        sinks[port] = {"latencies": [], "ok": 0, "errors": 0, "statuses": {}}
        args = (port, cookie, mixed)
        kwargs = {"users": share, "seconds": seconds, "sink": sinks[port]}
        threads.append(threading.Thread(target=load._run, args=args, kwargs=kwargs, daemon=True))
    say(f"scale: {users} users for {seconds:.0f} s, half on A (:{a_port}), half on B (:{b_port})")
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = sum(sink["ok"] for sink in sinks.values())
    errors = sum(sink["errors"] for sink in sinks.values())
    statuses: dict = {}
    for sink in sinks.values():
        for key, value in sink["statuses"].items():
            statuses[key] = statuses.get(key, 0) + value
    latencies = sorted(x for sink in sinks.values() for x in sink["latencies"])
    p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)] if latencies else None
    per_server = ", ".join(
        f"{name} {sink['ok']:,} ok/{sink['errors']} errors" for name, sink in zip("AB", sinks.values(), strict=True)
    )
    detail = "errors: " + ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items(), key=str)) if statuses else ""
    figures = {"requests": ok, "errors": errors, "seconds": round(elapsed, 1), "statuses": statuses,
               "per_server": per_server, "p95_ms": None if p95 is None else round(p95 * 1000)}  # fmt: skip
    say(f"scale: {ok:,} answers, {errors} errors ({per_server}) {detail}")
    label = f"scale: {users} users × {seconds:.0f} s over A and B"
    errors_check = Check(f"{label}: errors", f"{errors} of {ok + errors}", "0 errors", errors == 0, detail, figures)
    speed = f"{ok / elapsed:.1f} req/s, p95 {figures['p95_ms']} ms" if latencies else "n/a"
    return errors_check, Check(f"{label}: requests/s, p95 ({per_server})", speed, "", None)


# ---------------------------------------------------------------------------------------------
# 5. An import submitted on A, run by the worker, seen on B


def _batch_status(page: bytes) -> str:
    match = re.search(rb'class="badge status-[^"]*" data-status="([^"]*)"', page)
    return match.group(1).decode() if match else ""


def check_import(a_port: int, b_port: int, say) -> Check:
    """Upload a personnel file on A, confirm it on B once the worker previewed it, and see it written on B."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.mfa import DEVICE_NAME, confirmed_device
    from bench import importing
    from bench.load import ADMIN
    from exchange.models import ImportBatch, ImportStatus

    label = f"scale: an import ({IMPORT_ROWS} persons) submitted on A, run by the worker, written on B"
    admin = get_user_model().objects.get(username=ADMIN)
    device = confirmed_device(admin) or TOTPDevice.objects.create(user=admin, name=DEVICE_NAME, confirmed=True)
    delete_imported()
    content = importing.csv_file(importing.rows(IMPORT_ROWS, IMPORT_PREFIX))
    on_a = log_in(a_port, ADMIN, device=device)
    on_b = Browser(b_port, on_a.cookies)  # the same session, kept in the database, on the other server
    started = time.perf_counter()
    status, _body, headers = on_a.post_file(
        "/nhap-du-lieu/nhan_su/", "scale-nhan-su.csv", content, csrf_from="/nhap-du-lieu/nhan_su/"
    )
    match = re.search(r"/lan-nhap/(\d+)/", headers.get("location", ""))
    if status not in (302, 303) or not match:
        return Check(label, f"upload answered {status}", "written, seen on B", False)
    pk = int(match.group(1))
    page_path = headers["location"]
    steps = []
    try:
        state = _wait(on_b, page_path, {ImportStatus.PREVIEWED, ImportStatus.REJECTED, ImportStatus.FAILED})
        steps.append(f"previewed by the worker, seen on B after {time.perf_counter() - started:.1f} s")
        if state != ImportStatus.PREVIEWED:
            return Check(label, f"preview ended {state}", "written, seen on B", False, "; ".join(steps))
        status, _body, _h = on_b.post_form(f"{page_path}xac-nhan/", {}, csrf_from=page_path)
        state = _wait(on_b, page_path, {ImportStatus.APPLIED, ImportStatus.REJECTED, ImportStatus.FAILED})
        seconds = time.perf_counter() - started
        steps.append(f"confirmed on B, written by the worker, seen on B after {seconds:.1f} s")
    finally:
        stored = ImportBatch.objects.filter(pk=pk).values_list("status", flat=True).first()
        imported = delete_imported()
    detail = "; ".join(steps)
    say(f"scale: import batch {pk}: {detail}; status {stored}; {imported} persons imported (deleted again)")
    passed = state == ImportStatus.APPLIED and imported == IMPORT_ROWS
    value = f"{state}, {imported} persons, in {seconds:.1f} s"
    return Check(label, value, "written, seen on B", passed, detail, {"batch": pk, "imported": imported})


def delete_imported() -> int:
    """Delete the persons the check imported (their assignments with them); return how many there were."""
    from personnel.models import Person

    persons = Person.objects.filter(code__startswith=IMPORT_PREFIX)
    count = persons.count()
    persons.delete()
    Person.history.filter(code__startswith=IMPORT_PREFIX).delete()
    return count


def _wait(browser: Browser, path: str, states: set) -> str:
    deadline = time.perf_counter() + IMPORT_TIMEOUT_S
    state = ""
    while time.perf_counter() < deadline:
        status, page, _h = browser.get(path)
        state = _batch_status(page) if status == 200 else f"HTTP {status}"
        if state in states:
            return state
        time.sleep(0.3)
    return f"still {state or 'unknown'} after {IMPORT_TIMEOUT_S:.0f} s"


# ---------------------------------------------------------------------------------------------


def run(*, database_url: str, users: int, seconds: float, say) -> tuple[list[Check], dict]:
    """Start Redis (if needed), two servers and a worker; return the checks and how they were run."""
    from bench import load

    load.ensure_users()
    checks: list[Check] = []
    with Redis() as redis:
        say(f"scale: Redis {redis.how}; cache {redis.url}")
        env = _env(database_url, redis.url)
        with _Environ(REDIS_URL=redis.url, IMPORT_JOBS_THREAD="0"):
            a = load.Server(database_url).__enter__()
            try:
                b = load.Server(database_url).__enter__()
            except BaseException:
                a.__exit__(None, None, None)
                raise
        how = {
            "redis": redis.how,
            "servers": f"2 × gunicorn config.wsgi (2 workers × 4 threads) on 127.0.0.1:{a.port} and :{b.port}",
            "worker": "1 × manage.py run_import_jobs",
            "env": {k: env[k] for k in ("REDIS_URL", "IMPORT_JOBS_THREAD", "DJANGO_ENV", "DEBUG")},
        }
        say(f"scale: server A on :{a.port}, server B on :{b.port}; import worker started")
        try:
            with Worker(database_url, redis.url):
                for step in (
                    lambda: [check_freshness(a.port, b.port, say)],
                    lambda: list(check_load(a.port, b.port, users=users, seconds=seconds, say=say)),
                    lambda: [check_import(a.port, b.port, say)],
                ):
                    try:
                        checks += step()
                    except Exception as error:  # one check failing must not hide the others
                        say(f"scale: {type(error).__name__}: {error}")
                        failure = f"{type(error).__name__}: {error}"[:80]
                        checks.append(Check("scale: a check failed", failure, "", False))
        finally:
            b.__exit__(None, None, None)
            a.__exit__(None, None, None)
    return checks, how
