"""The rows of a synthetic Hanoi (``synthetic.city``), drawn from one seed, as PostgreSQL ``COPY`` text.

Everything is drawn from ``random.Random(seed)``: the same seed and scale give the same rows (up to
"today": a course that has not ended yet has no completed records). Persons come in chunks of ``CHUNK``,
each with its own random stream, so chunks can be generated in parallel with loading.
"""

from __future__ import annotations

import datetime
import functools
import math
import random

from core.text import fold, name_sort_key, split_name

from . import careers, hanoi
from .city import (
    _DATE_BASE,
    _ISO,
    APPOINTMENT_COURSE,
    BTV_SLOTS,
    CATEGORIES,
    CHUNK,
    COURSE_SPECS,
    DEFAULT_SEED,
    DEPARTMENTS,
    DEPUTY_SLOTS,
    EDUCATION,
    FAMILY_NAMES,
    FIRST_YEAR,
    GIVEN_NAMES,
    GROUP,
    LANGUAGE,
    LAST_YEAR,
    LEADER_SLOTS,
    LEADERSHIP,
    MIDDLE_NAMES,
    NAMES_PER_GENDER,
    NULL,
    POLITICAL,
    POOLS,
    RANK_TITLES,
    SLOTS,
    STATE_MANAGEMENT,
    TITLES,
    TREND,
    UPDATED_AT,
    Plan,
    _mergers,
    _ord,
    _table,
    _wards_of,
    iso,
)  # fmt: skip

_FIRST_DAY = _ord(FIRST_YEAR)
_PROGRAMME_START, _PROGRAMME_END = _ord(2021), _ord(2025, 12, 31)
_KCT_LATEST_START, _KCT_END = _ord(2025, 6, 1), careers.NON_SPECIALISED_END.toordinal()

# ---------------------------------------------------------------------------------------------
# Generation


@functools.cache
def name_pool(seed: int) -> dict[str, list[tuple[str, ...]]]:
    """Return a few thousand distinct names per gender, each with its derived fields computed once.

    Each entry is (full name, family, middle, given, sort key, folded name).
    """
    rng = random.Random(seed + 1)
    names: dict[str, list[tuple[str, ...]]] = {}
    families = _table(FAMILY_NAMES)
    for gender in ("nam", "nu"):
        middles = _table(MIDDLE_NAMES[gender])
        givens = GIVEN_NAMES[gender]
        seen: dict[str, None] = {}
        attempts = 0
        while len(seen) < NAMES_PER_GENDER and attempts < NAMES_PER_GENDER * 20:
            attempts += 1
            seen.setdefault(f"{rng.choice(families)} {rng.choice(middles)} {rng.choice(givens)}")
        names[gender] = [(full, *split_name(full), name_sort_key(full), fold(full)) for full in seen]
    return names


class Generator:
    """Generate every row of a scale from one seed (units, courses, persons and their records)."""

    def __init__(self, plan: Plan, seed: int = DEFAULT_SEED, *, today: datetime.date):
        self.plan = plan
        self.seed = seed
        self.today = today
        self.today_ord = self.today.toordinal()
        self.rng = random.Random(seed)
        self._names()
        self._units()
        self._courses()

    # Names ---------------------------------------------------------------------------------

    def _names(self) -> None:
        self.names = name_pool(self.seed)

    # Units ---------------------------------------------------------------------------------

    def _units(self) -> None:
        """Lay out the tree over time (ids from 1 in order), the successions, each unit's head count,
        diligence and kind, and where each closing unit's people go (``self.closings``)."""
        plan, rng = self.plan, self.rng
        self.unit_rows: list[str] = []
        self.succession_rows: list[str] = []
        self.unit_codes: list[str] = []  # index = id - 1
        self.unit_kinds: list[str] = []
        self.unit_weights: list[float] = []
        self.diligence: list[float] = []
        self.closings: dict[int, careers.Closing] = {}
        add, close = self._add_unit, self._close_unit

        merger_day, reform = hanoi.DEPARTMENT_REFORM, hanoi.COMMUNE_REFORM
        root_id, root_path = add("HN", "Thành phố Hà Nội", None, "thanh_pho", "", 0, "root", 0, 1.0)
        mergers = _mergers(plan.departments)
        merged_into = {code: merger for merger in mergers for code in merger.merged}
        departments = {}
        for code, name, weight in DEPARTMENTS[: plan.departments]:
            closed = merger_day if code in merged_into else None
            departments[code], _path = add(
                code, name, root_id, "thanh_pho", root_path, 1, "department", weight * rng.uniform(0.8, 1.2),
                rng.uniform(0.8, 1.15), None, closed,
            )  # fmt: skip
        for merger in mergers:
            members = [departments[code] for code in merger.merged if code in departments]
            diligence = sum(self.diligence[m - 1] for m in members) / len(members)
            merged_id, _path = add(merger.code, merger.name, root_id, "thanh_pho", root_path, 1, "department_2025", 0,
                                   diligence, merger_day)  # fmt: skip
            for member in members:
                close(member, [merged_id], merger_day, 1.0)
        all_districts, _wards = hanoi.legacy_units()
        districts = {}
        for district in all_districts[: plan.districts]:
            diligence = rng.uniform(0.8, 1.15)
            districts[district.code] = add(f"H{district.code}", f"UBND {district.name}", root_id, "huyen", root_path,
                                           1, "district", rng.uniform(0.7, 1.3), diligence, None, reform)  # fmt: skip
        wards = _wards_of(plan.districts)
        ward_successors = hanoi.ward_successors()
        taken = {s.code for ward in wards for s in ward_successors[ward.code]}
        new_units = {}
        for new in hanoi.new_wards():
            if new.code in taken:
                new_units[new.code], _path = add(
                    f"X{new.code}{hanoi.NEW_SUFFIX}", f"UBND {new.name}", root_id, "xa", root_path, 1, "commune_2025",
                    0, rng.uniform(0.8, 1.15), reform,
                )  # fmt: skip
        communes_of: dict[str, list[int]] = {}
        for ward in wards:
            parent_id, parent_path = districts[ward.district]
            diligence = self.diligence[parent_id - 1]
            unit_id, _path = add(f"X{ward.code}", f"UBND {ward.name}", parent_id, "xa", parent_path, 2, "commune",
                                 rng.uniform(0.6, 1.4), diligence * rng.uniform(0.9, 1.1), None, reform)  # fmt: skip
            close(unit_id, [new_units[s.code] for s in ward_successors[ward.code]], reform, 0.75)
            communes_of.setdefault(ward.district, []).append(unit_id)
        district_successors = hanoi.district_successors()
        for code, (unit_id, _path) in districts.items():
            # The new units that took the communes of the district's part in this plan, primary first.
            ordered = [new_units[s.code] for s in district_successors[code] if s.code in new_units]
            close(unit_id, ordered, reform, 0.5)

        # An earlier transfer comes from a unit of the same level: a department or district from another
        # department or district, a commune from another commune of its district.
        old_departments = tuple(departments.values())
        district_ids = tuple(unit_id for unit_id, _path in districts.values())
        upper = old_departments + district_ids
        self.same_kind: dict[int, tuple[int, ...]] = {root_id: old_departments}
        self.same_kind.update(dict.fromkeys(upper, upper))
        for members in communes_of.values():
            self.same_kind.update(dict.fromkeys(members, tuple(members)))

        self._head_counts()

    def _add_unit(self, code, name, parent_id, level, path, depth, kind, weight, diligence, opened=None, closed=None):
        """Add a unit (its id is the next one) and return its id and path."""
        unit_id = len(self.unit_codes) + 1
        full_path = f"{path}{unit_id}/"
        parent = NULL if parent_id is None else str(parent_id)
        opened_on = opened.isoformat() if opened else NULL
        closed_on = closed.isoformat() if closed else NULL
        self.unit_rows.append(
            f"{unit_id}\t{code}\t{name}\t{parent}\t{level}\t{opened_on}\t{closed_on}\t{full_path}\t{depth}"
        )
        self.unit_codes.append(code)
        self.unit_kinds.append(kind)
        self.unit_weights.append(weight)
        self.diligence.append(diligence)
        return unit_id, full_path

    def _close_unit(self, unit_id: int, successors: list[int], on: datetime.date, primary_share: float) -> None:
        """Close a unit on ``on`` into its successors (primary first), taking ``primary_share`` of its people."""
        for order, successor in enumerate(successors):
            self.succession_rows.append(f"{unit_id}\t{successor}\t{'t' if order == 0 else 'f'}\t{order}")
        self.closings[unit_id] = careers.Closing(
            on, tuple(successors), careers.successor_weights(len(successors), primary_share)
        )

    def _head_counts(self) -> None:
        """Count each unit's people: the city's own leaders, then 36 % in departments, 48 % in districts,
        16 % in communes (as they were before the reorganisations; people reach the units of 2025 through
        their careers)."""
        plan, kinds, weights = self.plan, self.unit_kinds, self.unit_weights
        others = plan.persons - plan.root_persons
        shares = {"department": 0.36, "district": 0.48, "commune": 0.16}
        counts = [0] * len(kinds)
        counts[0] = plan.root_persons
        for kind, share in shares.items():
            members = [i for i, k in enumerate(kinds) if k == kind]
            total = sum(weights[i] for i in members)
            for i in members:
                counts[i] = int(others * share * weights[i] / total)
        counts[len(kinds) - 1] += plan.persons - sum(counts)  # rounding remainder (the last unit is a commune)
        self.unit_counts = counts
        self.unit_of = [unit for unit, count in enumerate(counts) for _ in range(count)]  # person index -> unit index

    # Courses -------------------------------------------------------------------------------

    def _courses(self) -> None:
        """Schedule the courses of every spec over 2019–2026 and index them by pool and year."""
        rng, plan = self.rng, self.plan
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        per_year = plan.courses / len(years)
        total_weight = sum(spec.weight for spec in COURSE_SPECS)
        self.course_rows: list[str] = []
        self.course_type_rows: list[str] = []
        self.course_start: list[int] = [0]  # index = course id
        self.course_end: list[int] = [0]
        self.course_grants: list[tuple[str, int] | None] = [None]
        self.pools: dict[str, dict[int, list[int]]] = {}
        link_id = 0
        for year in years:
            for spec in COURSE_SPECS:
                count = max(1, round(per_year * spec.weight / total_weight))
                for number in range(1, count + 1):
                    course_id = len(self.course_start)
                    start = _ord(year, 1, 10) + int(rng.random() * 320)
                    end = start + spec.days - 1
                    grants_kind, grants_level = spec.grants if spec.grants else (NULL, NULL)
                    self.course_rows.append(
                        f"{course_id}\tBK{year}-{spec.key}-{number:03d}\t{spec.title} năm {year}, lớp {number}"
                        f"\t{spec.form}\t{spec.provider}\t{iso(start)}\t{iso(end)}\t{spec.hours}"
                        f"\t{grants_kind}\t{grants_level}"
                    )
                    self.course_start.append(start)
                    self.course_end.append(end)
                    self.course_grants.append(spec.grants)
                    for code in spec.types:
                        link_id += 1
                        self.course_type_rows.append(f"{link_id}\t{course_id}\t{code}")
                        self.pools.setdefault(code, {}).setdefault(year, []).append(course_id)
                    for pool, codes in POOLS.items():
                        if set(codes) & set(spec.types):
                            self.pools.setdefault(pool, {}).setdefault(year, []).append(course_id)

    # Persons -------------------------------------------------------------------------------

    @property
    def chunks(self) -> int:
        """Return how many chunks of persons there are."""
        return math.ceil(self.plan.persons / CHUNK)

    def chunk(self, index: int) -> dict[str, list[str]]:
        """Return the lines of the ``index``-th chunk of persons and their qualifications, appointments, records.

        A chunk depends only on the seed and its index (its own random stream; qualifications, appointments
        and records get their ids from the database in load order), so chunks can be made in any process.
        """
        return _Chunk(self, index).rows()

    def sample_names(self, count: int = 5) -> list[str]:
        """Return a few of the names persons carry (for search queries)."""
        rng = random.Random(self.seed + 3)
        pool = self.names["nam"] + self.names["nu"]
        return [rng.choice(pool)[0] for _ in range(count)]


class _Chunk:
    """The rows of one chunk of persons: one random stream, drawn person by person in a fixed order.

    The draws of a person happen in this order (it is part of the data's definition): profile, employment,
    career, citizen number, qualifications, appointments, training year by year.
    """

    PROVINCES = ("001", "034", "036", "030", "033", "038", "035", "037", "040", "025")

    def __init__(self, generator: Generator, index: int):
        self.generator = generator
        self.index = index
        self.rng = random.Random(generator.seed * 1_000_003 + index)
        self.rnd = self.rng.random
        self.today = generator.today_ord
        self.categories = {kind: _table(weights) for kind, weights in CATEGORIES.items()}
        self.leadership = {group: _table(weights) for group, weights in LEADERSHIP.items()}
        self.education = {group: _table(weights) for group, weights in EDUCATION.items()}
        self.political = {group: _table(weights) for group, weights in POLITICAL.items()}
        self.state = {group: _table(weights) for group, weights in STATE_MANAGEMENT.items()}
        self.language = {group: _table(weights) for group, weights in LANGUAGE.items()}
        self.latest_start = min(self.today - 30, _ord(2026, 9, 1))
        self.slot_sets: dict[tuple, list] = {}
        self.persons: list[str] = []
        self.assignments: list[str] = []
        self.qualifications: list[str] = []
        self.appointments: list[str] = []
        self.records: list[str] = []

    def rows(self) -> dict[str, list[str]]:
        """Draw every person of the chunk and return the lines per table."""
        generator, rnd = self.generator, self.rnd
        names, unit_kinds = generator.names, generator.unit_kinds
        categories, leadership, education = self.categories, self.leadership, self.education
        political, state, language = self.political, self.state, self.language
        birth_first, birth_span = _ord(1965), _ord(2001) - _ord(1965)
        today = self.today
        fromordinal = datetime.date.fromordinal
        add_person = self.persons.append
        first = self.index * CHUNK
        person_id = first
        for unit_index in generator.unit_of[first : first + CHUNK]:
            person_id += 1
            kind = unit_kinds[unit_index]
            category = categories[kind][int(rnd() * 1000)]
            group = GROUP[category]
            gender = "nu" if rnd() < (0.65 if group == "vc" else 0.45) else "nam"
            pool = names[gender]
            full, family, middle, given, sort_key, folded = pool[int(rnd() * len(pool))]
            code = f"CB{person_id:07d}"
            birth = birth_first + int(rnd() * birth_span)
            birth_year = fromordinal(birth).year
            lead = leadership["root" if kind == "root" else group][int(rnd() * 1000)]
            titles = TITLES.get((group, lead)) or TITLES.get((group, 0)) or ["Chuyên viên"]
            title = titles[int(rnd() * len(titles))]
            btv = lead >= 3 and (kind == "root" or rnd() < 0.12)
            succession = not btv and lead >= 2 and rnd() < 0.08
            deputy_chance = {"cc": 0.06 if lead else 0.01, "xa": 0.5 if lead else 0.05, "vc": 0.004}.get(group, 0.01)
            deputy = ("2021-2026" if rnd() < 0.9 else "2016-2021") if (btv or rnd() < deputy_chance) else ""
            leader = lead >= 2 or (group == "xa" and lead >= 1)
            level_group = "leader" if leader and group in ("cc", "xa", "vc") else group
            edu = education[level_group][int(rnd() * 1000)]
            pol = political[level_group if group != "vc" or lead >= 2 else "vc"][int(rnd() * 1000)]
            sm = state[level_group if group != "vc" else "vc"][int(rnd() * 1000)]
            lang = language["young" if birth_year >= 1986 else "old"][int(rnd() * 1000)]
            suited = rnd() < (0.86 if group == "xa" else 0.92)
            start, end = self._employment(birth, gender, category)
            unit = self._career(person_id, unit_index + 1, category, lead, title, start, end)
            citizen = self._citizen_number(person_id, gender, birth_year)
            add_person(
                f"{person_id}\t{code}\t{full}\t{family}\t{middle}\t{given}\t{sort_key}\t{folded} {code.lower()}"
                f"\t{iso(birth)}\t{gender}\t{citizen}\t{unit}\t{category}\t{title}\t{lead}"
                f"\t{'t' if btv else 'f'}\t{'t' if succession else 'f'}\t{deputy}\t{edu}\t{'t' if suited else 'f'}"
                f"\t{pol}\t{sm}\t{lang}\t{iso(start)}\t{iso(end) if end else NULL}\t{UPDATED_AT}"
            )
            last_day = min(end - 1, today) if end else today
            seen: set[int] = set()
            self._qualifications(person_id, group, edu, pol, lang, sm, last_day)
            self._appointments(person_id, group, category, lead, title, start, last_day, seen)
            self._training(person_id, unit_index, group, leader, btv, deputy, start, last_day, seen)
        return {
            "person": self.persons,
            "assignment": self.assignments,
            "qualification": self.qualifications,
            "appointment": self.appointments,
            "record": self.records,
        }

    def _employment(self, birth: int, gender: str, category: str) -> tuple[int, int]:
        """Return the first and last day employed (0: still employed): started at 21–30, not after recently;
        retired at 60.5 (men) or 56 (women); 3 % moved out."""
        rnd, today = self.rnd, self.today
        start = min(birth + int((21 + rnd() * 9) * 365.25), self.latest_start)
        end = birth + int((56 if gender == "nu" else 60.5) * 365.25)
        if end > today:
            end = _ord(2021) + int(rnd() * (today - _ord(2021))) if rnd() < 0.03 else 0
        if end and end <= start:
            end = start + 365
            if end > today:
                end = 0
        if category == "khong_chuyen_trach":  # these posts ended on 1 August 2025: nobody was hired after
            if start >= _KCT_LATEST_START:
                start = _KCT_LATEST_START - int(rnd() * 3 * 365)
            if not end or end > _KCT_END:
                end = _KCT_END
        return start, end

    def _career(self, person_id: int, unit_id: int, category: str, lead: int, title: str, start: int, end: int) -> int:
        """Add the assignments (an earlier transfer for some, the reorganisations of 2025 for everyone then)
        and return the unit of the latest."""
        closings, today = self.generator.closings, self.generator.today
        fromordinal = datetime.date.fromordinal
        stints = careers.career(
            self.rng,
            unit_id,
            fromordinal(start),
            fromordinal(end) if end else None,
            closings=closings,
            transfer_from=self.generator.same_kind.get(unit_id, ()),
        )
        add = self.assignments.append
        for number, stint in enumerate(stints):
            heir = careers.heir(stints, number, closings, today) if stint.unit in closings else stint.unit
            add(
                f"{person_id}\t{stint.unit}\t{category}\t{lead}\t{title}\t{iso(stint.start.toordinal())}"
                f"\t{iso(stint.end.toordinal()) if stint.end else NULL}\t{NULL if heir == stint.unit else heir}"
            )
        return stints[-1].unit

    def _citizen_number(self, person_id: int, gender: str, birth_year: int) -> str:
        """Return the citizen number of 85 % of persons (``NULL`` for the others)."""
        if self.rnd() >= 0.85:
            return NULL
        century_sex = (0 if gender == "nam" else 1) + (2 if birth_year >= 2000 else 0)
        province = self.PROVINCES[person_id // 1_000_000]
        return f"{province}{century_sex}{birth_year % 100:02d}{person_id % 1_000_000:06d}"

    def _qualifications(self, person_id: int, group: str, edu: int, pol: int, lang: int, sm: int, last_day: int):
        """Add the dated qualifications (~0.4 a person): upgrades during the programme, or undated old diplomas."""
        rnd = self.rnd
        for number, (kind_code, level, chance) in enumerate(
            (
                ("chuyen_mon", edu + 1, 0.12 if 2 <= edu <= 4 else 0.0),
                ("ly_luan_chinh_tri", max(pol + 1, 2), 0.16 if group in ("cc", "xa") and pol < 4 else 0.04),
                ("ngoai_ngu", max(lang + 1, 3), 0.18 if lang < 5 else 0.0),
                ("quan_ly_nha_nuoc", sm + 1, 0.08 if sm < 3 else 0.0),
            )
        ):
            if rnd() < chance:
                span = min(last_day, _PROGRAMME_END) - _ord(2017)
                obtained = NULL if rnd() < 0.15 else iso(_ord(2017) + int(rnd() * span))
                self.qualifications.append(f"{person_id}\t{kind_code}\t{level}\t{obtained}\tVB{person_id:07d}{number}")

    def _appointments(
        self, person_id: int, group: str, category: str, lead: int, title: str, start: int, last_day: int, seen: set
    ) -> None:
        """Add the appointments of 2021–2025, mostly preceded by the course they require."""
        rnd = self.rnd
        window_start, window_end = max(start, _PROGRAMME_START), min(last_day, _PROGRAMME_END)
        if window_end <= window_start:
            return
        wanted = []
        if (group == "cc" and rnd() < 0.5) or (category == "cong_chuc_xa" and rnd() < 0.3):
            wanted.append(("ngach", RANK_TITLES[int(rnd() * len(RANK_TITLES))]))
        if lead >= 1 and rnd() < 0.6:
            wanted.append(("chuc_vu", title))
        for appointment_kind, appointment_title in wanted:
            appointed = window_start + int(rnd() * (window_end - window_start))
            self.appointments.append(f"{person_id}\t{appointment_kind}\t{appointment_title}\t{iso(appointed)}")
            if rnd() < 0.8:  # the required course, finished before the appointment
                self._required_course(person_id, appointment_kind, appointed, start, seen)

    def _required_course(self, person_id: int, appointment_kind: str, appointed: int, start: int, seen: set) -> None:
        """Add the completed course an appointment requires, from the two years before it, if there is one."""
        generator = self.generator
        course_start, course_end = generator.course_start, generator.course_end
        year = datetime.date.fromordinal(appointed).year
        required = generator.pools[APPOINTMENT_COURSE[appointment_kind]]
        options = [
            c
            for y in (year, year - 1, year - 2)
            for c in required.get(y, ())
            if course_end[c] < appointed and course_start[c] >= start - 730
        ]
        if options:
            course = options[int(self.rnd() * len(options))]
            if course not in seen:
                seen.add(course)
                self.records.append(f"{person_id}\t{course}\thoan_thanh\t{NULL}\t")

    def _slots(self, group: str, leader: bool, btv: bool, deputy: str) -> list:
        """Return the (courses by year, yearly chance) a person of this profile draws from."""
        key = (group, leader, btv, deputy)
        slots = self.slot_sets.get(key)
        if slots is None:
            pools = self.generator.pools
            chosen = list(SLOTS[group])
            chosen += LEADER_SLOTS if leader else []
            chosen += BTV_SLOTS if btv else []
            chosen += DEPUTY_SLOTS if deputy == "2021-2026" else []
            slots = self.slot_sets[key] = [(pools[name], chance) for name, chance in chosen]
        return slots

    def _training(
        self,
        person_id: int,
        unit_index: int,
        group: str,
        leader: bool,
        btv: bool,
        deputy: str,
        start: int,
        last_day: int,
        seen: set,
    ) -> None:
        """Add the training records, year by year while employed."""
        rnd, today, generator = self.rnd, self.today, self.generator
        course_start, course_end, course_grants = generator.course_start, generator.course_end, generator.course_grants
        outcome = self._outcome
        add_record = self.records.append
        fromordinal = datetime.date.fromordinal
        slots = self._slots(group, leader, btv, deputy)
        diligence = generator.diligence[unit_index] * (0.6 + rnd() * 0.8)
        first_year = max(FIRST_YEAR, fromordinal(max(start, _FIRST_DAY)).year)
        for year in range(first_year, min(fromordinal(last_day).year, LAST_YEAR) + 1):
            factor = diligence * TREND[year]
            for by_year, chance in slots:
                if rnd() >= chance * factor:
                    continue
                options = by_year[year]
                course = options[int(rnd() * len(options))]
                begins = course_start[course]
                if begins < start or begins > last_day or course in seen:
                    continue
                seen.add(course)
                result, completed = outcome(course_end[course], today)
                if course_grants[course] and result == "hoan_thanh":
                    add_record(f"{person_id}\t{course}\t{result}\t{completed}\tCC{person_id:07d}{len(seen):02d}")
                else:
                    add_record(f"{person_id}\t{course}\t{result}\t{completed}\t")

    def _outcome(self, ends: int, today: int) -> tuple[str, str]:
        """Return the result and completion date of a course ending on ``ends``: studying while it runs."""
        rnd = self.rnd
        if ends > today:
            return ("dang_hoc" if rnd() < 0.93 else "bo_hoc"), NULL
        draw = rnd()
        if draw < 0.7:
            return "hoan_thanh", NULL
        if draw < 0.93:
            return "hoan_thanh", _ISO[min(ends + int(rnd() * 20), today) - _DATE_BASE]
        return ("khong_dat" if draw < 0.965 else "bo_hoc"), NULL
