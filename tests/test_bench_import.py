"""The benchmark judges the import figures against their floors (issue #18): at least, not at most."""

from bench import report


def test_an_import_figure_passes_at_or_above_its_floor_and_misses_below():
    assert report.judge("import_xlsx_rows_per_s", 15_600.0) == ("≥ 15,600 rows/s", "PASS")
    assert report.judge("import_xlsx_rows_per_s", 15_599.0) == ("≥ 15,600 rows/s", "MISS")
    assert report.judge("import_csv_rows_per_s", 20_000.0) == ("≥ 12,300 rows/s", "PASS")
    assert report.judge("import_csv_rows_per_s", None) == ("≥ 12,300 rows/s", "n/a")


def test_a_duration_still_passes_at_or_below_its_limit():
    assert report.judge("seed_load_s", 59.0) == ("≤ 60 s", "PASS")
    assert report.judge("seed_load_s", 61.0) == ("≤ 60 s", "MISS")
