"""Time the compliance engine: every indicator for every unit, for one year and for the programme's five years;
and bringing stored figures up to date after one training record."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """Seconds of each measured run of one operation (after a warm-up), and how many queries one run made."""

    name: str
    runs: list[float] = field(default_factory=list)
    queries: int | None = None
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    def as_json(self) -> dict:
        return {
            "median_s": self.median,
            "runs_s": self.runs,
            "min_s": min(self.runs) if self.runs else None,
            "max_s": max(self.runs) if self.runs else None,
            "queries": self.queries,
            "note": self.note,
        }


def measure(name: str, operation: Callable[[], object], *, runs: int, budget: float, say) -> Timing:
    """Run ``operation`` up to ``runs`` times (at least once), stopping early once ``budget`` seconds are spent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timing = Timing(name)
    spent = 0.0
    for index in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            operation()
            elapsed = time.perf_counter() - started
        timing.runs.append(elapsed)
        timing.queries = len(queries)
        spent += elapsed
        say(f"  {name}: run {index + 1}: {elapsed:.3f} s, {len(queries)} queries")
        if spent > budget and index + 1 < runs:
            timing.note = f"median of {index + 1} runs (time budget of {budget:.0f} s reached)"
            break
    return timing


def run(*, runs: int, budget: float, say) -> dict[str, Timing]:
    """Return the timings of the engine over the whole city (one year, five years) and over one district."""
    from personnel.models import OrgUnit
    from targets.compliance import evaluate, evaluate_subtree, evaluate_subtree_years
    from targets.models import Programme

    root = OrgUnit.objects.roots().order_by("code").first()
    district = _largest_district()
    code = Programme.objects.default().code
    years = [2021, 2022, 2023, 2024, 2025]

    # A fresh programme object each run: a full recompute includes reading the indicators.
    def one_year():
        return evaluate_subtree(Programme.objects.get(code=code), root, year=2025)

    def five_years():
        return evaluate_subtree_years(Programme.objects.get(code=code), root, years=years)

    def one_district():
        return evaluate(Programme.objects.get(code=code), district, year=2025)

    say("engine: warm-up (all units, 2025)")
    started = time.perf_counter()
    reports = one_year()
    warm = time.perf_counter() - started
    say(f"  warm-up: {warm:.3f} s, {len(reports)} units")
    results = {
        "engine_one_year": measure("all units, 2025", one_year, runs=runs, budget=budget, say=say),
        "engine_five_years": measure("all units, 2021–2025", five_years, runs=runs, budget=budget * 2, say=say),
        "engine_one_district": measure(
            f"one district ({district.code}), 2025", one_district, runs=runs, budget=budget / 2, say=say
        ),
    }
    results["engine_one_year"].note = (results["engine_one_year"].note + f"; {len(reports)} units").lstrip("; ")
    results["engine_one_district"].note = (
        results["engine_one_district"].note + f"; {district.code}, {district.persons_below:,} persons"
    ).lstrip("; ")
    results["engine_incremental"] = incremental(code, root, runs=runs, say=say)
    return results


def incremental(code: str, root, *, runs: int, say) -> Timing:
    """Time bringing the stored figures of 2025 up to date after one training record is recorded.

    The figures are first stored by a whole evaluation; then, ``runs`` times, one record of a person
    drawn at random (so units are hit as often as they hold persons) is recorded through the training
    service, untimed, and the refresh is timed. The stored figures are then compared with a whole
    evaluation, and the records added are deleted again.
    """
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.load import ensure_users
    from personnel.models import Person
    from reports import freshness
    from targets.compliance import evaluate_subtree
    from targets.models import Programme
    from training.choices import TrainingResult
    from training.models import Course, TrainingRecord
    from training.services import record_class

    timing = Timing("incremental refresh after one record, 2025")
    say("engine: incremental refresh (2025 stored whole first)")
    freshness.refresh_all(Programme.objects.get(code=code), years=[2025])
    user = ensure_users()["admin"]
    course = Course.objects.filter(end_date__year=2025, types="phap_luat").order_by("code").first()
    rng = random.Random(2025)
    last_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    added, result, updated = [], None, 0
    try:
        for index in range(runs):
            person = (
                Person.objects.filter(pk__gte=rng.randint(1, last_id))
                .exclude(training_records__course=course)
                .order_by("pk")
                .first()
            )
            if person is None:
                continue
            record_class(course=course, persons=[person], result=TrainingResult.COMPLETED, completed_on=None, user=user)
            added.append(person.pk)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = freshness.refresh(Programme.objects.get(code=code), root.pk, 2025)
                elapsed = time.perf_counter() - started
            updated += bool(result is not None and result.updated)
            timing.runs.append(elapsed)
            timing.queries = len(queries)
            say(f"  incremental: run {index + 1}: {elapsed:.3f} s, {len(queries)} queries, unit {person.unit_id}")
        if result is not None:
            equal = result.reports == evaluate_subtree(Programme.objects.get(code=code), root, year=2025)
            timing.note = f"{updated} of {len(timing.runs)} updated unit by unit; equal to a whole evaluation: " + (
                "yes" if equal else "NO"
            )
    finally:
        TrainingRecord.objects.filter(course=course, person_id__in=added).delete()
        TrainingRecord.history.filter(course_id=course.pk, person_id__in=added).delete()
    return timing


def _largest_district():
    """Return the district with the most persons in its subtree (the heaviest single-unit evaluation)."""
    from personnel.models import OrgUnit, Person

    best, best_count = None, -1
    counts = {}
    for unit_path, count in _person_counts_by_path(Person):
        counts[unit_path] = count
    for unit in OrgUnit.objects.filter(level="huyen"):
        total = sum(count for path, count in counts.items() if path.startswith(unit.path))
        if total > best_count:
            best, best_count = unit, total
    best.persons_below = best_count
    return best


def _person_counts_by_path(person_model):
    from django.db.models import Count

    return person_model.objects.order_by().values_list("unit__path").annotate(n=Count("pk"))


@dataclass
class Plan:
    """What PostgreSQL did with one of the engine's statements: its time and its EXPLAIN (ANALYZE, BUFFERS)."""

    statement: str
    seconds: float
    text: str

    def as_json(self) -> dict:
        return {"statement": self.statement, "execution_s": self.seconds, "plan": self.text.splitlines()}


def plans(code: str, root, *, years: list[int]) -> list[Plan]:
    """Return the plans PostgreSQL chose for the engine's statements over the whole city in view ``today``:
    the persons statement (all ``years`` at once where the summary of completions is kept; elsewhere one
    per year, the last year's shown) and the appointments statement (all ``years`` at once), each run with
    EXPLAIN (ANALYZE, BUFFERS) under the settings the engine sends."""
    import re

    from django.db import connection, transaction

    from targets.compliance import evaluation
    from targets.compliance.counters import AppointmentCounter, PersonCounter
    from targets.compliance.dates import evaluation_date
    from targets.models import IndicatorKind, Programme

    programme, indicators = evaluation.load(Programme.objects.get(code=code))
    periods = [evaluation_date(programme, year=year) for year in years]
    persons = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    appointments = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    counters = []
    if persons:
        counter = PersonCounter(persons, *periods[0], periods=periods)
        if counter.use_completions and len(years) > 1:  # the engine counts every year in one statement
            counters.append((f"persons, {years[0]}–{years[-1]}", counter))
        else:
            year, at = periods[-1]
            counters.append((f"persons, {year}", PersonCounter(persons, year, at)))
    if appointments and AppointmentCounter.handles(appointments):
        label = f"appointments, {years[0]}–{years[-1]}" if len(years) > 1 else f"appointments, {years[0]}"
        counters.append((label, AppointmentCounter(appointments, programme, periods[0][1], periods=periods)))
    found = []
    for label, counter in counters:
        statement, params = counter.sql(root)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(counter.settings() + "EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            text = "\n".join(row[0] for row in cursor.fetchall())
        match = re.search(r"Execution Time: ([0-9.]+) ms", text)
        found.append(Plan(label, float(match.group(1)) / 1000 if match else float("nan"), text))
    return found
