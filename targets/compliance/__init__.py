"""The compliance engine: how far a unit stands from each target of a programme.

Everything that shows or exports figures calls this package; it holds the evaluation rules of the
programme spec (section 4) over time as ``organisation-history.md`` says, and nothing else does. Inputs
are plain (a programme, a unit, a year or a date, a view) and so are the outputs (dataclasses). Work is
done over sets in the database: the persons of a whole subtree are counted per unit in one query (one
more for appointment indicators), and a parent's figures are the sums of its subtree's counts, never an
average of percentages. The number of queries does not depend on the number of persons, units or records.

- ``results``: what it returns and the arithmetic (percent, met, gap);
- ``dates``: which date T an evaluation reads, in each view;
- ``filters``: populations and criteria as ORM filters (the lists of who misses a target);
- ``counters``: the two SQL statements that count them (held equal to the filters by tests);
- ``evaluation``: evaluating a subtree, rolling direct counts up, the unmet lists;
- ``persons``: one person's standing.
"""

from .counters import WORK_MEM, AppointmentCounter, PersonCounter
from .dates import (
    THEN,
    TODAY,
    VIEWS,
    appointment_window,
    birth_cutoff,
    check_view,
    course_window,
    evaluation_date,
    unit_date,
)
from .evaluation import (
    _load,
    _root,
    default_view,
    direct_counts,
    direct_counts_periods,
    evaluate,
    evaluate_children,
    evaluate_subtree,
    evaluate_subtree_years,
    evaluate_tree,
    evaluate_years,
    load,
    met_population,
    no_figures,
    roll_up,
    subtree_units,
    unit_evaluation_date,
    unmet,
)
from .filters import (
    appointment_criterion_q,
    appointment_population_q,
    counted_assignment,
    criterion_q,
    direct_appointment_counts_by_filters,
    direct_counts_by_filters,
    person_population_q,
    persons_placed,
    placed,
    placement_population_q,
    population_q,
)
from .persons import missing_for, missing_text, person_appointments, person_status, unmet_counts_by_person
from .results import (
    IndicatorResult,
    PersonIndicatorStatus,
    UnitRef,
    UnitReport,
    as_plain,
    gap,
    is_met,
    percent,
    result_for,
)

__all__ = [
    "THEN", "TODAY", "VIEWS", "WORK_MEM", "AppointmentCounter", "IndicatorResult", "PersonCounter",
    "PersonIndicatorStatus", "UnitRef", "UnitReport", "_load", "_root", "appointment_criterion_q",
    "appointment_population_q", "appointment_window", "as_plain", "birth_cutoff", "check_view",
    "counted_assignment", "course_window", "criterion_q", "default_view", "direct_appointment_counts_by_filters",
    "direct_counts", "direct_counts_by_filters", "direct_counts_periods", "evaluate", "evaluate_children",
    "evaluate_subtree", "evaluate_subtree_years", "evaluate_tree", "evaluate_years", "evaluation_date", "gap",
    "is_met", "load", "met_population", "missing_for", "missing_text", "no_figures", "percent", "person_appointments",
    "person_population_q", "person_status", "persons_placed", "placed", "placement_population_q", "population_q",
    "result_for", "roll_up", "subtree_units", "unit_date", "unit_evaluation_date", "unmet", "unmet_counts_by_person",
]  # fmt: skip
