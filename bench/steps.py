"""The ``exports`` and ``scale`` steps of ``python -m bench`` (issue #19, parts 4 and 5): figures into the table."""

from __future__ import annotations


def exports_step(args, data: dict, rows: list, say) -> None:
    """City-wide XLSX and CSV exports: time (≤ 30 s) and peak memory growth (flat: ≤ 100 MB) of each."""
    from bench import exports, report

    timings = exports.run(database_url=args.database_url, say=say)
    data["exports"] = {kind: timing.as_json() for kind, timing in timings.items()}
    names = {"xlsx": "exports: city-wide XLSX (every indicator's list)", "csv": "exports: city-wide CSV (longest list)"}
    for kind, timing in timings.items():
        label = names[kind]
        if timing.seconds is None or timing.detail:
            rows.append(report.Row(label, (timing.detail or "not measured")[:60], "", "n/a"))
            continue
        size = f"{timing.bytes / 1e6:.1f} MB" + (f", {timing.rows:,} lines" if kind == "csv" else "")
        ok = timing.seconds <= exports.TIME_TARGET_S
        target = f"≤ {exports.TIME_TARGET_S:g} s"
        rows.append(report.Row(f"{label}: time ({size})", f"{timing.seconds:.1f} s", target, _status(ok)))
        flat = timing.growth_mb <= exports.MEMORY_TARGET_MB
        memory = f"{timing.growth_mb:+.0f} MB (peak {timing.peak_mb:.0f} MB)"
        target = f"flat: ≤ +{exports.MEMORY_TARGET_MB:g} MB"
        rows.append(report.Row(f"{label}: peak memory over a one-commune export", memory, target, _status(flat)))


def scale_step(args, data: dict, rows: list, say) -> None:
    """Two app servers and a worker on one PostgreSQL and Redis: freshness across them, load, an import."""
    from bench import report, scale

    try:
        checks, how = scale.run(
            database_url=args.database_url, users=args.load_users, seconds=args.load_duration, say=say
        )
    except RuntimeError as error:
        say(f"scale: not run: {error}")
        data["scale"] = {"error": str(error)}
        rows.append(report.Row("scale: two app servers", f"not run: {error}"[:80], "", "n/a"))
        return
    data["scale"] = {"how": how, "checks": [check.as_json() for check in checks]}
    for check in checks:
        rows.append(report.Row(check.label, check.value, check.target, "" if not check.target else check.status))


def _status(ok: bool) -> str:
    return "PASS" if ok else "MISS"
