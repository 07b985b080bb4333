"""``synthetic.careers``: the synthetic assignments of the demo and the benchmark, through the reorganisations."""

import datetime
import itertools
import random

from synthetic import careers, hanoi

D = datetime.date
REFORM = D(2025, 7, 1)
CLOSINGS = {
    "ward-a": careers.Closing(REFORM, ("new-1",), (1.0,)),
    "ward-b": careers.Closing(REFORM, ("new-1", "new-2"), (0.75, 0.25)),
}


def stints_of(unit, start, end, seed=1, **options):
    return careers.career(random.Random(seed), unit, start, end, closings=CLOSINGS, **options)


def test_someone_still_employed_on_the_closing_date_moves_that_day_to_a_successor():
    stints = stints_of("ward-a", D(2010, 3, 1), None, transfer_share=0)
    assert stints == [
        careers.Stint("ward-a", D(2010, 3, 1), REFORM),
        careers.Stint("new-1", REFORM, None, "reorganisation"),
    ]


def test_someone_who_left_before_the_closing_date_stays_in_the_old_unit():
    assert stints_of("ward-b", D(2010, 3, 1), D(2024, 5, 1), transfer_share=0) == [
        careers.Stint("ward-b", D(2010, 3, 1), D(2024, 5, 1))
    ]


def test_someone_hired_after_the_closing_date_is_hired_by_a_successor():
    stints = stints_of("ward-b", D(2025, 9, 1), None, transfer_share=0)
    assert len(stints) == 1
    assert stints[0].unit in {"new-1", "new-2"}
    assert stints[0].start == D(2025, 9, 1)


def test_a_divided_unit_sends_its_people_mostly_to_its_primary_successor():
    destinations = [
        stints_of("ward-b", D(2010, 1, 1), None, seed=seed, transfer_share=0)[-1].unit for seed in range(400)
    ]
    assert 0.65 < destinations.count("new-1") / 400 < 0.85
    assert "new-2" in destinations


def test_an_earlier_transfer_comes_from_another_unit_and_leaves_no_gap_or_overlap():
    for seed in range(200):
        stints = stints_of("ward-a", D(2005, 1, 1), None, seed=seed, transfer_from=["ward-a", "ward-b"])
        assert stints[0].start == D(2005, 1, 1)
        assert stints[-1].end is None
        assert all(a.end == b.start and a.start < a.end for a, b in itertools.pairwise(stints))
        if len(stints) == 3:
            assert stints[0].unit == "ward-b"
            assert stints[1].reason == "transfer"
            assert stints[0].end <= careers.LATEST_TRANSFER


def test_about_a_third_get_an_earlier_transfer_when_it_fits():
    transferred = sum(
        stints_of("ward-a", D(2005, 1, 1), None, seed=seed, transfer_from=["ward-a", "ward-b"])[1].reason == "transfer"
        for seed in range(1000)
    )
    assert 0.3 < transferred / 1000 < 0.42


def test_the_heir_of_a_closed_unit_is_where_the_person_went_else_its_primary_successor():
    moved = [careers.Stint("ward-b", D(2010, 1, 1), REFORM), careers.Stint("new-2", REFORM, None)]
    assert careers.heir(moved, 0, CLOSINGS, D(2026, 1, 1)) == "new-2"
    assert careers.heir(moved, 0, CLOSINGS, D(2025, 6, 30)) == "ward-b"  # not closed yet
    left = [careers.Stint("ward-b", D(2010, 1, 1), D(2024, 1, 1))]
    assert careers.heir(left, 0, CLOSINGS, D(2026, 1, 1)) == "new-1"


def test_non_professional_commune_workers_end_on_1_august_2025_at_the_latest():
    assert careers.non_specialised_end(None) == D(2025, 8, 1)
    assert careers.non_specialised_end(D(2026, 1, 1)) == D(2025, 8, 1)
    assert careers.non_specialised_end(D(2024, 1, 1)) == D(2024, 1, 1)


def test_hanoi_s_2025_reorganisation_comes_from_the_package_s_own_conversion():
    districts, wards = hanoi.legacy_units()
    assert (len(districts), len(wards), len(hanoi.new_wards())) == (30, 526, 126)
    successors = hanoi.ward_successors()
    assert set(successors) == {ward.code for ward in wards}
    assert all(sum(s.primary for s in links) == 1 and links[0].primary for links in successors.values())
    assert sum(len(links) > 1 for links in successors.values()) > 100  # divided wards
    taken = {s.code for links in successors.values() for s in links}
    assert taken == {ward.code for ward in hanoi.new_wards()}
    by_district = hanoi.district_successors()
    assert all(links[0].primary and not any(s.primary for s in links[1:]) for links in by_district.values())
