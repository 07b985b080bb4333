"""The figures of a run, against the issue's targets: a table on the terminal and ``bench-results/latest.json``."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# (limit, unit): a figure passes when it is at most the limit.
TARGETS = {
    "seed_load_s": (60.0, "s"),
    "engine_one_year_s": (1.0, "s"),
    "engine_five_years_s": (3.0, "s"),
    "incremental_refresh_s": (0.5, "s"),  # "well under a second"
    "approvals_bulk_s": (10.0, "s"),  # issue #13: five years × every unit in one action
    "dashboard_p95_ms": (50.0, "ms"),
    "person_search_p95_ms": (100.0, "ms"),
    "person_page_p95_ms": (100.0, "ms"),
    "total_wall_s": (15 * 60.0, "s"),
}
# (floor, unit): a figure passes when it is at least the floor.
FLOORS = {
    # Issue #18: 1.5 × the 10,400 rows/s of the XLSX import before; the CSV import no slower than its 12,300.
    "import_xlsx_rows_per_s": (15_600.0, "rows/s"),
    "import_csv_rows_per_s": (12_300.0, "rows/s"),
}


@dataclass
class Row:
    label: str
    value: str
    target: str = ""
    status: str = ""


def judge(key: str, value: float | None) -> tuple[str, str]:
    """Return (target text, PASS/MISS) of a figure that has a target, or ("", "") without one."""
    if key in FLOORS:
        floor, unit = FLOORS[key]
        text = f"≥ {floor:,.0f} {unit}"
        return (text, "n/a") if value is None else (text, "PASS" if value >= floor else "MISS")
    if key not in TARGETS:
        return "", ""
    limit, unit = TARGETS[key]
    text = f"≤ {limit:g} {unit}" if unit != "s" or limit < 120 else f"≤ {limit / 60:g} min"
    if value is None:
        return text, "n/a"
    return text, "PASS" if value <= limit else "MISS"


def judged(key: str, value: float | None) -> tuple[str, str]:
    """Return what ``judge`` returns, a miss saying by how much: "MISS by 0.97 s (+97 %)"."""
    target, status = judge(key, value)
    if status != "MISS":
        return target, status
    limit, unit = TARGETS[key]
    over = value - limit
    amount = f"{over:.2f} s" if unit == "s" else f"{over:.0f} {unit}"
    return target, f"MISS by {amount} (+{over / limit:.0%})".replace("%", " %")


def machine() -> dict:
    """Return what the figures were measured on: CPUs, memory, load, versions, commit."""
    info = {
        "cpus": os.cpu_count(),
        "cpu_model": _cpuinfo("model name"),
        "memory_gb": _meminfo_gb(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import django

        info["django"] = django.get_version()
    except ImportError:
        pass
    info["git_commit"] = _git("rev-parse", "--short", "HEAD")
    changed = _git("status", "--porcelain")
    info["git_uncommitted_files"] = len(changed.splitlines()) if changed else 0
    return info


def _cpuinfo(key: str) -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _meminfo_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=PROJECT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def render(rows: list[Row]) -> str:
    """Return the rows as an aligned text table."""
    header = Row("figure", "value", "target", "status")
    widths = [max(len(getattr(r, name)) for r in [header, *rows]) for name in ("label", "value", "target", "status")]
    lines = []
    for index, row in enumerate([header, *rows]):
        cells = [row.label, row.value, row.target, row.status]
        lines.append(
            "  ".join(
                cell.ljust(width) if i != 1 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(data: dict, directory: Path | None = None) -> Path:
    """Write the results to ``bench-results/latest.json`` and a timestamped copy; return the latest path."""
    directory = directory or PROJECT / "bench-results"
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    stamp = time.strftime("%Y%m%d-%H%M%S")  # the machine's local time, as the file names before
    (directory / f"run-{stamp}.json").write_text(text, encoding="utf-8")
    latest = directory / "latest.json"
    latest.write_text(text, encoding="utf-8")
    return latest


# Issue #19: the cost of one request, stated as requests/s at 10 users (at least), and queries per request (at most).
PAGE_TARGETS = {
    "dashboard": {"requests_per_s": 400.0, "queries": 6},
    "person search, common": {"requests_per_s": 200.0, "queries": 6},
    "person search, rare": {"requests_per_s": 200.0, "queries": 6},
    "person page": {"requests_per_s": 200.0, "queries": 8},
}
DAY_P95_MS = 100.0  # every page of the realistic day


def at_least(value: float | None, limit: float, unit: str) -> tuple[str, str]:
    """Return (target text, PASS / MISS by how much) of a figure that must reach ``limit``."""
    text = f"≥ {limit:g} {unit}".rstrip()
    if value is None:
        return text, "n/a"
    if value >= limit:
        return text, "PASS"
    return text, f"MISS by {_amount(limit - value)} {unit} ({(limit - value) / limit:.0%})"


def at_most(value: float | None, limit: float, unit: str) -> tuple[str, str]:
    """Return (target text, PASS / MISS by how much) of a figure that must stay within ``limit``."""
    text = f"≤ {limit:g} {unit}".rstrip()
    if value is None:
        return text, "n/a"
    if value <= limit:
        return text, "PASS"
    over = value - limit
    return text, f"MISS by {_amount(over)} {unit} ({over / limit:.0%})"


def _amount(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
