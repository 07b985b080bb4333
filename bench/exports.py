"""City-wide exports at scale: the dashboard's XLSX (every indicator's list of who does not meet it) and the
longest list's CSV, each downloaded by a city-wide leader in a process of its own.

Each export runs in a fresh Python process (``python -m bench.exports``) that sets Django up, logs the
leader in with the test client, draws a small export first (one unit's: imports, caches and the stored
figures warm, so the baseline holds everything an export needs but its rows), reads its peak resident
memory (``ru_maxrss``), then downloads the city's file, reading the streamed response to the end, and
reads the peak again. "Flat memory" is the growth of that peak over the baseline: a file written and
held in memory grows it with the file's size (tens of MB at city scale); a streamed one does not.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TIME_TARGET_S = 30.0
MEMORY_TARGET_MB = 100.0  # peak growth while writing the city's file, over the baseline of a small export
YEAR = 2025


@dataclass
class ExportTiming:
    name: str
    path: str = ""
    seconds: float | None = None
    bytes: int = 0
    rows: int = 0
    baseline_mb: float | None = None
    peak_mb: float | None = None
    first_byte_s: float | None = None
    detail: str = ""

    @property
    def growth_mb(self) -> float | None:
        if self.peak_mb is None or self.baseline_mb is None:
            return None
        return self.peak_mb - self.baseline_mb

    def as_json(self) -> dict:
        return {**self.__dict__, "growth_mb": None if self.growth_mb is None else round(self.growth_mb, 1)}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _download(client, path: str) -> tuple[int, int, float, int]:
    """Return (status, bytes, seconds to the first byte, lines) of a download, read to its end."""
    started = time.perf_counter()
    response = client.get(path)
    size = lines = 0
    first = None
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        if first is None:
            first = time.perf_counter() - started
        chunk = chunk.encode() if isinstance(chunk, str) else chunk
        size += len(chunk)
        lines += chunk.count(b"\n")
    if hasattr(response, "close"):
        response.close()
    return response.status_code, size, first or 0.0, lines


def _child(kind: str) -> dict:
    """Run one export in this process (``python -m bench.exports KIND``) and return its figures."""
    from django.test import Client
    from django.urls import reverse

    from bench.load import LEADER, ensure_users
    from personnel.models import OrgUnit
    from reports.lists import unmet_queryset
    from targets.models import Programme

    ensure_users()
    from django.contrib.auth import get_user_model

    client = Client(raise_request_exception=True)
    client.force_login(get_user_model().objects.get(username=LEADER))
    root = OrgUnit.objects.roots().order_by("code").first()
    small = OrgUnit.objects.open_today().filter(level="xa").order_by("code").first() or root
    if kind == "xlsx":
        url = reverse("reports:export_xlsx")
    else:  # the CSV of the longest list of the city: who does not meet the indicator most miss
        programme = Programme.objects.order_by("pk").first()
        from reports.freshness import programme_indicators

        counts = {}
        for indicator in programme_indicators(programme):
            if indicator.kind != "appointment":
                counts[indicator.code] = unmet_queryset(programme, indicator, root, year=YEAR).count()
        code = max(counts, key=counts.get)
        url = reverse("reports:drilldown_csv", args=[code])
    _download(client, f"{url}?unit={small.code}&year={YEAR}")  # warm: the baseline holds all but the rows
    baseline = _peak_mb()
    path = f"{url}?unit={root.code}&year={YEAR}"
    started = time.perf_counter()
    status, size, first, lines = _download(client, path)
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "status": status,
        "seconds": seconds,
        "first_byte_s": first,
        "bytes": size,
        "lines": lines,
        "baseline_mb": baseline,
        "peak_mb": _peak_mb(),
    }


def measure(kind: str, *, database_url: str, say) -> ExportTiming:
    """Run one city-wide export (``xlsx`` or ``csv``) in a fresh process and return its figures."""
    timing = ExportTiming(kind)
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
    env["DJANGO_ENV"] = "development"
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "bench.exports", kind],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if process.returncode != 0:
        timing.detail = f"failed: {process.stderr.strip().splitlines()[-1:]}"[:300]
        say(f"exports: {kind}: {timing.detail} after {time.perf_counter() - started:.0f} s")
        return timing
    figures = json.loads(process.stdout.strip().splitlines()[-1])
    timing.path = figures["path"]
    timing.seconds = figures["seconds"]
    timing.first_byte_s = figures["first_byte_s"]
    timing.bytes = figures["bytes"]
    timing.rows = figures["lines"]
    timing.baseline_mb, timing.peak_mb = figures["baseline_mb"], figures["peak_mb"]
    if figures["status"] != 200:
        timing.detail = f"HTTP {figures['status']}"
    say(
        f"exports: {kind.upper()} {timing.path}: {timing.seconds:.1f} s (first byte {timing.first_byte_s:.1f} s), "
        f"{timing.bytes / 1e6:.1f} MB; peak memory {timing.peak_mb:.0f} MB, "
        f"{timing.growth_mb:+.0f} MB over the baseline {timing.baseline_mb:.0f} MB"
    )
    return timing


def run(*, database_url: str, say) -> dict[str, ExportTiming]:
    """Return the figures of the city-wide XLSX and CSV exports."""
    return {kind: measure(kind, database_url=database_url, say=say) for kind in ("xlsx", "csv")}


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    print(json.dumps(_child(sys.argv[1])))
