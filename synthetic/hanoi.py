"""Hanoi's real units over time and the reorganisations of 2025.

Sources:

- the 30 districts/towns and 526 communes/wards of 2021–2025 (until 30 June 2025): table
  ``admin_units_legacy`` of ``vietnamadminunits`` (https://github.com/tranngocminhhieu/vietnamadminunits,
  MIT licence), with the official codes of the General Statistics Office;
- the 126 commune-level units (51 wards, 75 communes) from 1 July 2025 (Resolution 1656/NQ-UBTVQH15):
  table ``admin_units`` of the same package;
- which new unit took which old commune or ward: the package's own legacy→2025 conversion
  (``data/converter_2025.json``): an old ward not divided maps to one new ward; a divided old ward lists
  every new ward that took part of it, one of them marked as the default (``isDefaultNewWard``);
- the city departments merged in February 2025 (``DEPARTMENT_MERGERS``), as the city published them.

Dates (half-open, organisation-history.md section 1): every district and old commune/ward closes on
**2025-07-01** (``COMMUNE_REFORM``), the day the new units open; the merged departments close on
**2025-03-01** (``DEPARTMENT_REFORM``), the day the merged ones start work.
"""

from __future__ import annotations

import datetime
import functools
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

PROVINCE = "Thành phố Hà Nội"
PROVINCE_KEY = "thanhphohanoi"
COMMUNE_REFORM = datetime.date(2025, 7, 1)
DEPARTMENT_REFORM = datetime.date(2025, 3, 1)
NEW_SUFFIX = "-2025"  # official codes reused by the new units are kept apart by this suffix


@dataclass(frozen=True)
class District:
    code: str  # official code, "001"
    name: str  # "Quận Ba Đình"
    kind: str  # Quận, Huyện, Thị xã
    key: str  # the package's key, "quanbadinh"


@dataclass(frozen=True)
class Ward:
    code: str  # official code, "00001"
    name: str  # "Phường Phúc Xá"
    kind: str  # Phường, Xã, Thị trấn
    district: str  # official code of its district
    key: str  # "thanhphohanoi_quanbadinh_phuongphucxa"


@dataclass(frozen=True)
class NewWard:
    code: str  # official code, "00097" (may be an old ward's code: units keep them apart with NEW_SUFFIX)
    name: str  # "Phường Hồng Hà"
    kind: str  # Phường, Xã
    key: str  # "phuonghongha"


@dataclass(frozen=True)
class Successor:
    code: str  # official code of the successor
    primary: bool


@dataclass(frozen=True)
class Merger:
    """Departments merged into a new one (closed on DEPARTMENT_REFORM, the new one opened that day)."""

    code: str
    name: str
    merged: tuple[str, ...]  # codes of the departments it replaces, the one that gives most people first


# The departments merged from 1 March 2025 (Resolutions of the City People's Council, February 2025).
DEPARTMENT_MERGERS = [
    Merger("STC-2025", "Sở Tài chính", ("STC", "SKHDT")),
    Merger("SKHCN-2025", "Sở Khoa học và Công nghệ", ("SKHCN", "STTTT")),
    Merger("SXD-2025", "Sở Xây dựng", ("SXD", "SGTVT")),
    Merger("SNV-2025", "Sở Nội vụ", ("SNV", "SLDTBXH")),
    Merger("SNNMT", "Sở Nông nghiệp và Môi trường", ("SNNPTNT", "STNMT")),
]


def package_dir() -> Path:
    """Return the directory of ``vietnamadminunits`` without importing it (its parsers take a second to load)."""
    import importlib.util

    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package vietnamadminunits is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _query(sql: str, *params) -> list[dict]:
    database = package_dir() / "data" / "dataset.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, params)]


@functools.cache
def legacy_units() -> tuple[tuple[District, ...], tuple[Ward, ...]]:
    """Return Hanoi's districts and communes/wards until 30 June 2025, in official-code order."""
    rows = _query(
        "SELECT provinceKey, districtCode, district, districtType, districtKey, wardCode, ward, wardType, wardKey "
        "FROM admin_units_legacy WHERE province = ? ORDER BY districtCode, wardCode",
        PROVINCE,
    )
    districts: dict[str, District] = {}
    wards = []
    for row in rows:
        districts.setdefault(
            row["districtCode"], District(row["districtCode"], row["district"], row["districtType"], row["districtKey"])
        )
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"
        wards.append(Ward(row["wardCode"], row["ward"], row["wardType"], row["districtCode"], key))
    return tuple(districts.values()), tuple(wards)


@functools.cache
def new_wards() -> tuple[NewWard, ...]:
    """Return Hanoi's 126 commune-level units from 1 July 2025, in official-code order."""
    rows = _query(
        "SELECT wardCode, ward, wardType, wardKey FROM admin_units WHERE province = ? ORDER BY wardCode", PROVINCE
    )
    return tuple(NewWard(row["wardCode"], row["ward"], row["wardType"], row["wardKey"]) for row in rows)


@functools.cache
def ward_successors() -> dict[str, tuple[Successor, ...]]:
    """Return, for each old commune/ward (official code), the new units that took it, the primary first.

    An old ward not divided has one successor; a divided one every new ward that took part of it, the
    package's default one primary.
    """
    with open(package_dir() / "data" / "converter_2025.json", encoding="utf-8") as file:
        data = json.load(file)
    whole = data["DICT_PROVINCE_WARD_NO_DIVIDED"][PROVINCE_KEY]
    divided = data["DICT_PROVINCE_WARD_DIVIDED"].get(PROVINCE_KEY, {})
    new_code = {ward.key: ward.code for ward in new_wards()}
    result: dict[str, tuple[Successor, ...]] = {}
    _districts, wards = legacy_units()
    for ward in wards:
        parts = divided.get(ward.key)
        if parts:
            ordered = sorted(parts, key=lambda part: (not part["isDefaultNewWard"], new_code[part["newWardKey"]]))
            result[ward.code] = tuple(Successor(new_code[p["newWardKey"]], p["isDefaultNewWard"]) for p in ordered)
            continue
        target = next((key for key, olds in whole.items() if ward.key in olds), None)
        if target is None:
            raise RuntimeError(f"vietnamadminunits has no 2025 unit for {ward.name} ({ward.code})")
        result[ward.code] = (Successor(new_code[target], True),)
    return result


@functools.cache
def district_successors() -> dict[str, tuple[Successor, ...]]:
    """Return, for each district, the new units that took its communes, the primary first: the one that is
    the primary successor of most of its communes (ties: the one that took part of most, then the code)."""
    _districts, wards = legacy_units()
    successors = ward_successors()
    primary: dict[str, Counter] = defaultdict(Counter)
    parts: dict[str, Counter] = defaultdict(Counter)
    for ward in wards:
        for successor in successors[ward.code]:
            parts[ward.district][successor.code] += 1
            if successor.primary:
                primary[ward.district][successor.code] += 1
    result = {}
    for district, counts in parts.items():
        ordered = sorted(counts, key=lambda code: (-primary[district][code], -counts[code], code))
        result[district] = tuple(Successor(code, index == 0) for index, code in enumerate(ordered))
    return result
