"""Fresh and fast figures: the version of the data they come from, and serving them from storage.

Evaluating the whole city takes seconds at Hanoi's size, so the figures of every unit are computed at
once (one evaluation of the root) and stored in ``StoredFigures``, labelled with the *data version* read
just before computing. A page reads the current version (one query) and which stored runs hold the
units it shows (one query); the figures themselves are read only when the page has to be drawn anew
(``reports.views`` caches drawings per run). A run whose label differs from the current version, or
whose evaluation date is not today's T, is *stale* and is brought up to date.

Four modules, re-exported here (``from reports import freshness``):

- ``versioning``: the data version, the tables watched and the tracking of writes;
- ``store``: what a stored run holds (``YearFigures``, ``Figures``) and how its rows become reports;
- ``reading``: reading stored figures for a page (``load_figures``), refreshing stale ones in the request;
- ``refreshing``: bringing stored figures up to date, unit by unit or whole, now or after the response
  (not ``refresh``: that is its function's name, ``freshness.refresh``).

Patch a name in the module that reads it (``freshness.refreshing.MAX_UNITS_UPDATED``), not here.
"""

from .reading import load_computed_figures, load_figures
from .refreshing import (
    LOCK_SECONDS,
    MAX_PERSONS_UPDATED,
    MAX_UNITS_UPDATED,
    _apply,
    collect_changes,
    refresh,
    refresh_all,
    run_scheduled_refreshes,
    schedule_refresh,
)
from .store import (
    META_FIELDS,
    Figures,
    YearFigures,
    _report_from_row,
    dashboard_years,
    programme_indicators,
    root_of,
    sync_seconds,
    trend_years,
)
from .versioning import (
    AUDITED_MODELS,
    EVERY_UNIT_MODELS,
    data_version,
    flush_pending_changes,
    history_tables,
    install_write_tracking,
    mark_changed,
    track_writes,
    updatable,
    watched_tables,
)

__all__ = [
    "AUDITED_MODELS", "EVERY_UNIT_MODELS", "LOCK_SECONDS", "MAX_PERSONS_UPDATED", "MAX_UNITS_UPDATED", "META_FIELDS",
    "Figures", "YearFigures", "_apply", "_report_from_row", "collect_changes", "dashboard_years", "data_version",
    "flush_pending_changes", "history_tables", "install_write_tracking", "load_computed_figures", "load_figures",
    "mark_changed", "programme_indicators", "refresh", "refresh_all", "root_of", "run_scheduled_refreshes",
    "schedule_refresh", "sync_seconds", "track_writes", "trend_years", "updatable", "watched_tables",
]  # fmt: skip
