"""The shared sample, loaded with import_data, gives exactly the expected compliance figures."""

import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "examples" / "sample"
EXPECTED = sorted(p for p in (SHARED / "examples").glob("expected-*.json") if "history" not in p.name)
ORDER = ["don_vi", "nhan_su", "van_bang", "khoa_hoc", "ket_qua", "bo_nhiem"]
COMPARED = ["numerator", "denominator", "percent", "met", "gap"]


@pytest.fixture
def sample_loaded(db):
    """Load every sample file in the order of data-exchange, on a day after the sample's last record."""
    with time_machine.travel(datetime.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        for kind in ORDER:
            out = io.StringIO()
            call_command("import_data", kind, str(SAMPLE / f"{kind}.csv"), stdout=out)
            assert "0 cập nhật" in out.getvalue()
        yield


def test_the_shared_folder_holds_the_sample_and_expected_figures():
    assert [path.name for path in sorted(SAMPLE.iterdir())] == sorted(f"{kind}.csv" for kind in ORDER)
    assert len(EXPECTED) == 4


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda path: path.stem)
def test_the_sample_gives_the_expected_figures(sample_loaded, expected_file):
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    out = io.StringIO()
    call_command("compliance", year=expected["year"], unit=expected["unit"]["code"], stdout=out)
    actual = json.loads(out.getvalue())

    assert actual["as_of"] == expected["as_of"]
    assert actual["unit"]["code"] == expected["unit"]["code"]
    assert [i["code"] for i in actual["indicators"]] == [i["code"] for i in expected["indicators"]]
    for got, wanted in zip(actual["indicators"], expected["indicators"], strict=True):
        assert {key: got[key] for key in COMPARED} == {key: wanted[key] for key in COMPARED}, got["code"]
