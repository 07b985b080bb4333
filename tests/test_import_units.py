"""Units: a parent may come later in the file, paths are rebuilt, cycles and unknown parents are refused."""

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import OrgUnit


def unit(code: str, parent: str = "", level: str = "huyen", name: str = "") -> dict:
    return {"Mã đơn vị": code, "Tên đơn vị": name or f"Đơn vị {code}", "Mã đơn vị cấp trên": parent, "Cấp": level}


def run(records: list[dict], dry_run: bool = False):
    content = csv_bytes(template_rows("don_vi", records), delimiter=";", bom=True)
    return run_import(kind="don_vi", file_name="don_vi.csv", content=content, dry_run=dry_run)


def test_a_parent_may_come_later_in_the_file(db):
    outcome = run([unit("X1", "H1", "xa"), unit("H1", "HN"), unit("HN", level="thanh_pho"), unit("X2", "H1", "xa")])

    assert outcome.ok, outcome.errors
    units = {u.code: u for u in OrgUnit.objects.all()}
    assert units["X1"].parent == units["H1"]
    assert units["H1"].parent == units["HN"]
    assert units["X1"].path == f"{units['HN'].pk}/{units['H1'].pk}/{units['X1'].pk}/"
    assert units["X2"].depth == 2
    assert [u.code for u in OrgUnit.objects.subtree(units["H1"]).order_by("code")] == ["H1", "X1", "X2"]


def test_moving_a_unit_updates_its_parent_and_the_paths_below_it(units):
    outcome = run([unit("H01", "H02", name="UBND quận Ba Đình")])

    assert [row.changed for row in outcome.rows] == [["Mã đơn vị cấp trên"]]
    moved = OrgUnit.objects.get(code="H01")
    assert moved.parent.code == "H02"
    assert OrgUnit.objects.get(code="H01X1").is_within(OrgUnit.objects.get(code="H02"))


def test_a_cycle_in_the_file_is_refused_on_every_unit_in_it(db):
    outcome = run([unit("HN", level="thanh_pho"), unit("A", "B"), unit("B", "A"), unit("C", "C"), unit("D", "A")])

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [
        (3, "Mã đơn vị cấp trên", "B"),
        (4, "Mã đơn vị cấp trên", "A"),
        (5, "Mã đơn vị cấp trên", "C"),
    ]
    assert "vòng lặp" in outcome.errors[0].reason
    assert not OrgUnit.objects.exists()


def test_moving_a_unit_under_its_own_descendant_is_refused(units):
    outcome = run([unit("H01", "H01X1")])

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [(2, "Mã đơn vị cấp trên", "H01X1")]
    assert OrgUnit.objects.get(code="H01").parent.code == "HN"


def test_an_unknown_parent_is_an_error(units):
    outcome = run([unit("H09", "HCM")])

    assert [(e.line, e.column, e.value, e.reason) for e in outcome.errors] == [
        (2, "Mã đơn vị cấp trên", "HCM", "Không có đơn vị mã «HCM».")
    ]


def test_a_unit_code_twice_in_the_file_is_an_error(db):
    outcome = run([unit("HN", level="thanh_pho"), unit("HN", level="Thành phố")])

    assert [(e.line, e.column, e.value) for e in outcome.errors] == [(3, "Mã đơn vị", "HN")]
