"""Percent, met and gap follow section 4 of the programme spec exactly."""

from decimal import Decimal

from targets.compliance import gap, is_met, percent


def test_percent_is_rounded_half_up_to_one_decimal():
    assert percent(1, 16) == Decimal("6.3")  # 6.25
    assert percent(1, 7) == Decimal("14.3")
    assert percent(6, 7) == Decimal("85.7")
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 3) == Decimal("33.3")


def test_percent_and_met_are_empty_when_nobody_is_counted():
    assert percent(0, 0) is None
    assert is_met(0, 0, Decimal(40)) is None


def test_met_is_computed_exactly_not_from_the_rounded_percent():
    # 2/3 = 66.67% rounds to 66.7 but is below a 66.7% target.
    assert percent(2, 3) == Decimal("66.7")
    assert is_met(2, 3, Decimal("66.7")) is False
    assert is_met(3, 20, Decimal(15)) is True  # exactly on target


def test_gap_is_the_number_of_people_still_needed():
    assert gap(12, 30, Decimal(40)) == 0
    assert gap(3, 15, Decimal(80)) == 9  # ceil(12) - 3
    assert gap(0, 15, Decimal(70)) == 11  # ceil(10.5)
    assert gap(5, 5, Decimal(100)) == 0
    assert gap(9, 10, Decimal(60)) == 0  # never negative
    assert gap(0, 0, Decimal(100)) == 0
