"""A realistic day: requests arrive on a fixed schedule (open loop), mixed across the pages people use.

Twenty requests a second for a minute, whatever the server answers: a request is sent at its scheduled time even
when earlier ones are still waiting (a pool of client threads large enough never to hold one back), and its
latency counts from that scheduled time, so a server falling behind shows in the figures instead of slowing the
arrivals (closed-loop users wait for their answer before asking again, and hide it). The mix: leaders read the
dashboard, search persons and open person pages; HR officers open a person's edit form and save it (its version
field carried back, as a browser does); a leader downloads the dashboard as CSV. Each kind of request is judged
on its own: p95 at most 100 ms, and no error.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

from . import load

RATE = 20.0  # requests per second
P95_LIMIT_MS = 100.0
# (kind, share of the arrivals); a form save is two requests: the edit form, then its POST.
MIX = (
    ("dashboard", 0.25),
    ("person search", 0.30),
    ("person page", 0.35),
    ("form save", 0.05),  # one a second: every save changes the figures the dashboard shows
    ("export", 0.05),
)
CLIENT_THREADS = 48
TIMEOUT = 30.0


@dataclass
class KindResult:
    kind: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def p95_ms(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))] * 1000, 1)

    def p50_ms(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[len(ordered) // 2] * 1000, 1)

    def as_json(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.error_count,
            "error_kinds": self.errors,
            "p50_ms": self.p50_ms(),
            "p95_ms": self.p95_ms(),
            "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else None,
        }


class _FormReader(HTMLParser):
    """Collect the fields a browser would send back from the page's own POST form (the first without an action)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        # The page's own form posts back to the page (no action); the header's forms (language, logout) do not.
        if tag == "form" and (a.get("method") or "").lower() == "post" and not a.get("action"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and not a.get("disabled"):
            self._input(name, a)
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            self._option(a)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def _input(self, name: str, a: dict) -> None:
        """Send a checked box or radio button, and any other input but buttons and files, as a browser does."""
        kind = (a.get("type") or "text").lower()
        if kind in ("checkbox", "radio"):
            if "checked" in a:
                self.fields.append((name, a.get("value") or "on"))
        elif kind not in ("submit", "button", "file"):
            self.fields.append((name, a.get("value") or ""))

    def _option(self, a: dict) -> None:
        value = a.get("value") or ""
        if self._first_option is None:
            self._first_option = value
        if "selected" in a:
            self._selected = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            self.fields.append((self._select, self._selected if self._selected is not None else ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_fields(html: str) -> list[tuple[str, str]]:
    """Return the (name, value) pairs of the page's own POST form, as a browser would send them."""
    reader = _FormReader()
    reader.feed(html)
    return reader.fields


def _plan(seconds: float, seed: int = 11) -> list[tuple[float, str]]:
    """Return the arrivals: (seconds from the start, kind), RATE per second, kinds drawn by their share."""
    rng = random.Random(seed)
    kinds = [kind for kind, _share in MIX]
    weights = [share for _kind, share in MIX]
    count = int(seconds * RATE)
    return [(index / RATE, rng.choices(kinds, weights)[0]) for index in range(count)]


def _editable_persons(hr_user, count: int = 200) -> list[str]:
    """Return codes of persons the HR user may edit (their district), at work today."""
    from django.utils import timezone

    from accounts.scoping import visible_persons

    return list(
        visible_persons(hr_user).employed_at(timezone.localdate()).order_by("pk").values_list("code", flat=True)[:count]
    )


def run(*, database_url: str, seconds: float, say) -> dict[str, KindResult]:
    """Serve the benchmark database and send the day's arrivals; return the figures of each kind of request."""
    from django.urls import reverse

    accounts = load.ensure_users()
    pages = {target.name: target for target in load.targets()}
    paths = {
        "dashboard": [pages["dashboard"].path(0)],
        "person search": pages["person search"].paths,
        "person page": pages["person page"].paths,
        "export": [f"{reverse('reports:export_csv')}?{urlencode({'year': 2025})}"],
    }
    editable = _editable_persons(accounts["hr"])

    with load.Server(database_url) as server:
        leader, how = load.log_in(server.port, load.LEADER)
        hr, _how = load.log_in(server.port, load.HR)
        say(
            f"day: {RATE:g} requests/s for {seconds:.0f} s, open loop, on "
            + ", ".join(f"{kind} {share:.0%}" for kind, share in MIX)
            + f" ({how})"
        )
        client = _Client(port=server.port, leader=leader, hr=hr, paths=paths, editable=editable)
        _send_on_schedule(_plan(seconds), client.one)
    return client.results


# What a server's closing of an idle keep-alive connection looks like to the client that reuses it.
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class _Client:
    """The day's client: sends each request over its thread's own connection and notes its figures."""

    def __init__(self, *, port: int, leader: str, hr: str, paths: dict[str, list[str]], editable: list[str]):
        self.port = port
        self.leader, self.hr = leader, hr
        self.csrf = dict(part.split("=", 1) for part in hr.split("; ") if "=" in part).get("csrftoken", "")
        self.paths = paths  # kind -> the paths its requests take in turn
        self.editable = editable
        self.results = {kind: KindResult(kind) for kind, _share in MIX}
        self.results["edit form"] = KindResult("edit form")
        self.counters = {kind: 0 for kind, _share in MIX}
        self.lock = threading.Lock()
        self.local = threading.local()

    def connection(self) -> http.client.HTTPConnection:
        local = self.local
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return local.connection

    def send(self, method: str, path: str, cookie: str, body: bytes | None = None, extra: dict | None = None):
        """Return the status (or the name of the failure) and the body of one request."""
        headers = {"Cookie": cookie, **(extra or {})}
        local = self.local
        reused = getattr(local, "connection", None) is not None
        try:
            return self._exchange(method, path, body, headers)
        except STALE_CONNECTION:
            # An open-loop thread's connection may wait longer than the server's keep-alive (gunicorn: 2 s) and be
            # closed meanwhile: the request never reached the server, so it is sent again on a new connection, as
            # every HTTP client does (urllib3, browsers). A fresh connection's failure is the server's, and counts.
            self._drop()
            if not reused:
                return "RemoteDisconnected", b""
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            return ("timeout" if isinstance(error, TimeoutError) else type(error).__name__), b""
        try:
            return self._exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            return ("timeout" if isinstance(error, TimeoutError) else type(error).__name__), b""

    def _exchange(self, method: str, path: str, body: bytes | None, headers: dict):
        conn = self.connection()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    def _drop(self) -> None:
        if getattr(self.local, "connection", None) is not None:
            self.local.connection.close()
        self.local.connection = None

    def note(self, kind: str, started: float, status, ok_statuses=(200,)) -> None:
        """Count the answer's latency (a timeout's too) and any error."""
        elapsed = time.perf_counter() - started
        with self.lock:
            result = self.results[kind]
            if status in ok_statuses or status == "timeout":
                result.latencies.append(elapsed)
            if status not in ok_statuses:
                key = str(status)
                result.errors[key] = result.errors.get(key, 0) + 1

    def form_save(self, scheduled: float, n: int) -> None:
        """Open a person's edit form and post it back with one field changed (its version field carried)."""
        from django.urls import reverse

        code = self.editable[n % len(self.editable)] if self.editable else ""
        path = reverse("personnel:person_edit", args=[code])
        status, body = self.send("GET", path, self.hr)
        self.note("edit form", scheduled, status)
        if status != 200:
            self.note("form save", time.perf_counter(), status, ok_statuses=(302,))
            return
        fields = [(k, v) for k, v in form_fields(body.decode("utf-8", "replace")) if k != "position_title"]
        fields.append(("position_title", f"Chuyên viên (bench {n})"))
        started = time.perf_counter()
        status, _body = self.send(
            "POST",
            path,
            self.hr,
            body=urlencode(fields).encode(),
            extra={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.csrf,
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )
        self.note("form save", started, status, ok_statuses=(302,))

    def one(self, kind: str, scheduled: float) -> None:
        """Send the ``kind``'s next request (a leader's, or an HR officer's form save)."""
        with self.lock:
            n = self.counters[kind]
            self.counters[kind] += 1
        if kind == "form save":
            self.form_save(scheduled, n)
            return
        paths = self.paths[kind]
        status, _body = self.send("GET", paths[n % len(paths)], self.leader)
        self.note(kind, scheduled, status)


def _send_on_schedule(plan: list[tuple[float, str]], one) -> None:
    """Hand each arrival to a pool of CLIENT_THREADS at its scheduled time (``one(kind, scheduled)``), never
    waiting for earlier answers, then wait for the pool to finish."""
    queue: list[tuple[float, str]] = []
    ready = threading.Condition()
    finished = threading.Event()

    def worker() -> None:
        while True:
            with ready:
                while not queue and not finished.is_set():
                    ready.wait(0.5)
                if not queue:
                    return
                scheduled, kind = queue.pop(0)
            one(kind, scheduled)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.5
    for offset, kind in plan:
        due = start + offset
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        with ready:
            queue.append((due, kind))  # latency counts from the scheduled time
            ready.notify()
    finished.set()
    with ready:
        ready.notify_all()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)
