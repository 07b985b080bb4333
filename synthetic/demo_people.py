"""The demo's people: who works where, their careers, levels, appointments and training (``seed_demo``).

Everything about people is synthetic, drawn from ``random.Random(seed)`` so that the same seed and size give
the same data: believable Vietnamese names, 12-digit citizen ids in the national format (birth province,
century and sex, year of birth, six digits), categories that fit the unit level, leaders, Standing-Board
cadres, People's Council deputies, start and leaving dates (retirement, transfer), dated qualifications,
appointments and a training history. A person's declared levels are the ones held before 2021; the
upgrades of 2021–2025 are dated qualifications or courses that grant a level, so status indicators improve
over the years. Each district (with its communes) and each department draws a diligence factor, and each
year a trend (2021 was the year of the pandemic), so the compliance figures differ between units and rise
over time: some targets are met, others clearly not.

Each person has an assignment history (``synthetic.careers``): about a third came from another unit of
the same kind at some earlier date; everyone in a district, commune or ward on 1 July 2025 moves that day
to a new unit (the primary successor, or for a divided ward or a district sometimes another one); people of
a merged department move to the merged one on 1 March 2025; non-professional commune workers
(``khong_chuyen_trach``) end on 1 August 2025. ``personnel.history.sync_persons`` then sets each person's
row from their latest assignment and ``refresh_heirs`` their heir units (view ``today``). Names come from
``synthetic.population``, shared with the benchmark.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter

from personnel import history
from personnel.choices import AppointmentKind, Gender
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification
from personnel.services import prepare_persons
from training.models import TrainingRecord

from . import careers
from .demo_builder import Builder, DraftPerson
from .demo_catalogue import (
    ANNUAL_TRAINING,
    FIRST_YEAR,
    HEALTH_TITLES,
    LAST_YEAR,
    NON_SPECIALISED_LATEST_START,
    PROGRAMME_YEARS,
    TREND,
    C,
    Q,
    Role,
    city_roles,
    department_roles,
    district_roles,
    ward_roles,
)  # fmt: skip
from .population import BIRTH_PROVINCES, FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES


class DemoBuilder(Builder):
    """Generate the demo rows in memory, then write them with a fixed number of bulk inserts per table."""

    # -- persons ---------------------------------------------------------------------------------

    def allocate(self, total: int, weights: list[float]) -> list[int]:
        """Split ``total`` over ``weights`` by largest remainder (deterministic)."""
        if total <= 0 or not weights:
            return [0] * len(weights)
        whole = sum(weights)
        shares = [total * w / whole for w in weights]
        counts = [int(s) for s in shares]
        order = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return counts

    def slots(self, root, department_units, district_units, ward_units) -> list[tuple[OrgUnit, Role, str, float]]:
        """Return (unit, role, zone, diligence) for each person to create."""
        rng = self.rng
        n = self.people
        n_city = min(len(city_roles()), max(1, round(n * 0.002))) if n >= 20 else 0
        n_departments = round(n * 0.22)
        n_districts = round(n * 0.23)
        n_communes = max(0, n - n_city - n_departments - n_districts)

        # Diligence: each district (with its communes) and department has its own; a few lag, a few lead.
        district_factor = {d.code: rng.uniform(0.72, 1.18) for d, _unit in district_units}
        result = []
        result += [(root, role, "city", 1.05) for role in city_roles()[:n_city]]

        def fill(unit, count, fixed, pool, zone, factor):
            roles, weights = zip(*pool, strict=True)
            taken = set()
            for index in range(count):
                role = fixed[index] if index < len(fixed) else rng.choices(roles, weights=weights)[0]
                while role.unique and role.title in taken:  # a unit has one chairman: draw again
                    role = rng.choices(roles, weights=weights)[0]
                taken.add(role.title)
                result.append((unit, role, zone, factor))

        counts = self.allocate(n_departments, [dept.weight for dept, _unit in department_units])
        for (dept, unit), count in zip(department_units, counts, strict=True):
            fixed, pool = department_roles(dept)
            fill(unit, count, fixed, pool, "department", rng.uniform(0.8, 1.15))
        ward_count = Counter(w.district for w, _unit in ward_units)
        counts = self.allocate(n_districts, [4 + ward_count[d.code] for d, _unit in district_units])
        for (district, unit), count in zip(district_units, counts, strict=True):
            fixed, pool = district_roles(district)
            fill(unit, count, fixed, pool, "district", district_factor[district.code])
        counts = self.allocate(n_communes, [rng.uniform(0.6, 1.4) for _ in ward_units])
        for (ward, unit), count in zip(ward_units, counts, strict=True):
            fixed, pool = ward_roles(ward)
            factor = district_factor[ward.district] * rng.uniform(0.93, 1.07)
            fill(unit, count, fixed, pool, "commune", factor)
        return result

    def citizen_id(self, birth: datetime.date, gender: str) -> str:
        """Return a new unique citizen id in the national format."""
        province = self._weighted(BIRTH_PROVINCES)
        century = 0 if birth.year < 2000 else 2
        sex = century + (1 if gender == Gender.FEMALE else 0)
        while True:
            value = f"{province}{sex}{birth.year % 100:02d}{self.rng.randrange(10**6):06d}"
            if value not in self.citizen_ids:
                self.citizen_ids.add(value)
                return value

    def full_name(self, gender: str) -> str:
        """Return a believable Vietnamese full name for the gender."""
        family = self._weighted(FAMILY_NAMES)
        middle = self._weighted(MIDDLE_NAMES[gender])
        given = self.rng.choice(GIVEN_NAMES[gender])
        while given in middle.split():
            given = self.rng.choice(GIVEN_NAMES[gender])
        return f"{family} {middle} {given}"

    def birth_date(self, role: Role, gender: str) -> datetime.date:
        """Return a birth date fitting the role (leaders older, youth leaders young)."""
        earliest = 1963 if gender == Gender.MALE else 1967
        span = {
            "head": (1964, 1975),
            "deputy": (1966, 1980),
            "leader": (1966, 1987),
            "staff": (earliest, 1999),
            "youth": (1991, 1998),
            "senior": (1963, 1972),
            "deputy_only": (1962, 1990),
        }[role.rank]
        year = self.rng.randint(max(span[0], earliest), span[1])
        return datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def employment(self, birth: datetime.date, gender: str) -> tuple[datetime.date, datetime.date | None]:
        """Return start and leaving dates: start in one's twenties; retirement or transfer for some."""
        start = birth.replace(year=birth.year + self.rng.randint(22, 28), day=self.rng.randint(1, 28))
        latest = self.today - datetime.timedelta(days=60)
        if start > latest:
            start = self.today - datetime.timedelta(days=self.rng.randint(60, 700))
        retire_age = 61 if gender == Gender.MALE else 57  # the ages of 2021–2026, rounded
        retire = birth.replace(year=birth.year + retire_age, day=1)
        end = retire if retire <= self.today else None
        if end is None and self.rng.random() < 0.025:
            end = self._date_in(max(start, datetime.date(2021, 3, 1)), self.today)
        if end is not None and end <= start:
            end = None
        return start, end

    def levels(self, role: Role, birth: datetime.date) -> dict[str, int]:
        """Return the declared levels (held before 2021) for the role."""
        pick = self._weighted
        if role.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT):
            education = pick({1: 4, 2: 18, 3: 10, 4: 63, 5: 5})
            political = (
                pick({0: 10, 1: 25, 2: 60, 3: 5}) if role.category == C.COMMUNE_CADRE else pick({0: 45, 1: 40, 2: 15})
            )
        elif role.category == C.NON_SPECIALISED:
            education = pick({0: 10, 1: 25, 2: 35, 3: 10, 4: 20})
            political = pick({0: 60, 1: 40})
        elif role.category == C.OTHER:
            education = pick({2: 20, 3: 10, 4: 60, 5: 10})
            political = pick({0: 70, 1: 20, 2: 10})
        elif role.leadership >= 3:
            education = pick({4: 42, 5: 50, 6: 8})
            political = pick({2: 22, 3: 73, 4: 5})
        elif role.leadership == 2:
            education = pick({3: 2, 4: 68, 5: 28, 6: 2})
            political = pick({1: 6, 2: 78, 3: 16})
        elif role.category == C.PUBLIC_EMPLOYEE:
            education = pick({2: 8, 3: 12, 4: 65, 5: 14, 6: 1})
            political = pick({0: 55, 1: 35, 2: 10})
        else:
            education = pick({3: 3, 4: 72, 5: 24, 6: 1})
            political = pick({0: 35, 1: 40, 2: 23, 3: 2})
        if role.leadership >= 3:
            state = pick({1: 10, 2: 40, 3: 50})
        elif role.leadership == 2:
            state = pick({1: 35, 2: 60, 3: 5})
        elif role.category in (C.CADRE, C.CIVIL_SERVANT):
            state = pick({0: 25, 1: 65, 2: 10})
        else:
            state = pick({0: 70, 1: 30})
        young = birth.year >= 1985
        language = pick({0: 10, 1: 10, 2: 60, 3: 15, 4: 5}) if young else pick({0: 25, 1: 20, 2: 45, 3: 8, 4: 2})
        if role.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT) and young:
            language = pick({0: 15, 1: 17, 2: 58, 3: 8, 4: 2})
        return {
            Q.EDUCATION: education,
            Q.POLITICAL_THEORY: political,
            Q.STATE_MANAGEMENT: state,
            Q.FOREIGN_LANGUAGE: language,
        }

    def build_persons(self, slots) -> list[DraftPerson]:
        """Create the persons of the slots (one bulk insert), with their flags and declared levels."""
        rng = self.rng
        persons = []
        for index, (unit, role, zone, factor) in enumerate(slots, start=1):
            gender = Gender.FEMALE if rng.random() < role.female else Gender.MALE
            birth = self.birth_date(role, gender)
            start, end = self.employment(birth, gender)
            if role.category == C.NON_SPECIALISED:  # these posts ended on 1 August 2025: nobody was hired after
                if start >= NON_SPECIALISED_LATEST_START:
                    start = self._date_in(datetime.date(2012, 1, 1), NON_SPECIALISED_LATEST_START)
                end = careers.non_specialised_end(end)
            stints = careers.career(
                rng, unit, start, end, closings=self.closings, transfer_from=self.same_kind.get(unit, ())
            )
            levels = self.levels(role, birth)
            suited = role.category not in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT) or (
                rng.random() < min(0.99, max(0.6, 0.86 + 0.35 * (factor - 0.95)))
            )
            btv_managed = role.leadership >= 3 and zone != "commune" and (role.rank == "head" or rng.random() < 0.8)
            succession = (role.rank == "deputy" and rng.random() < 0.6) or (
                role.rank == "leader" and role.leadership == 2 and rng.random() < 0.12
            )
            deputy = role.rank == "deputy_only" or rng.random() < {
                (C.CADRE, "city"): 0.9,
                (C.CADRE, "district"): 0.55,
                (C.COMMUNE_CADRE, "commune"): 0.4,
            }.get((role.category, zone), 0.03 if zone == "commune" else 0.0)
            person = Person(
                code=f"CB{index:06d}",
                full_name=self.full_name(gender),
                birth_date=birth,
                gender=gender,
                citizen_id=self.citizen_id(birth, gender),
                unit=stints[-1].unit,
                category=role.category,
                position_title=role.title,
                leadership_level=role.leadership,
                btv_managed=btv_managed,
                btv_succession=succession,
                deputy_term="2021-2026" if deputy else "",
                education_level=levels[Q.EDUCATION],
                field_suited=suited,
                political_level=levels[Q.POLITICAL_THEORY],
                state_management_level=levels[Q.STATE_MANAGEMENT],
                language_level=levels[Q.FOREIGN_LANGUAGE],
                start_date=start,
                end_date=end,
            )
            persons.append(DraftPerson(person, role, zone, factor, stints))
        objs = prepare_persons(p.obj for p in persons)
        self._insert(objs, Person)
        self.summary.persons = len(objs)
        return persons

    def write_assignments(self, persons: list[DraftPerson]) -> None:
        """Write every person's assignments (one bulk insert, with history), then set each person's row from
        their latest assignment and the heir units of view ``today`` (``personnel.history``)."""
        rows = []
        for person in persons:
            for index, stint in enumerate(person.stints):
                # The heir unit is the one ``refresh_heirs`` computes (it then finds nothing to change).
                heir = careers.heir(person.stints, index, self.closings, self.today)
                rows.append(
                    Assignment(
                        person_id=person.obj.pk,
                        unit=stint.unit,
                        category=person.obj.category,
                        leadership_level=person.obj.leadership_level,
                        position_title=person.obj.position_title,
                        start_date=stint.start,
                        end_date=stint.end,
                        heir_unit=None if heir is stint.unit else heir,
                    )
                )
        self._insert(rows, Assignment)
        self.summary.assignments = len(rows)
        history.sync_persons([person.obj.pk for person in persons])
        history.refresh_heirs(today=self.today)

    # -- history of each person ------------------------------------------------------------------

    def employed_in(self, person: DraftPerson, year: int) -> bool:
        """Return whether the person worked at some time during ``year``."""
        start, end = person.obj.start_date, person.obj.end_date
        return (start is None or start.year <= year) and (end is None or end.year >= year)

    def build_history(self, persons: list[DraftPerson]) -> None:
        """Generate each person's qualifications, appointments and training."""
        for person in persons:
            self.evidence(person)
            self.upgrades(person)
            self.appoint(person)
            self.annual_training(person)
            self.title_training(person)
            self.deputy_training(person)
            self.current_studies(person)

    def evidence(self, person: DraftPerson) -> None:
        """Record the diplomas and certificates behind some declared levels."""
        p = person.obj
        if p.education_level >= 2 and self.rng.random() < 0.7:
            # The first degree comes before the first job; a master's or doctorate usually after it.
            age = {5: (26, 34), 6: (31, 42)}.get(p.education_level, (20, 23))
            graduated = datetime.date(p.birth_date.year + self.rng.randint(*age), self.rng.randint(6, 9), 15)
            latest = self.today if p.education_level >= 5 else p.start_date
            self.qualify(person, Q.EDUCATION, p.education_level, min(graduated, latest), "B")
        if p.political_level >= 2 and self.rng.random() < 0.5:
            on = self._date_in(p.start_date, min(datetime.date(2020, 12, 31), self.today))
            self.qualify(person, Q.POLITICAL_THEORY, p.political_level, on, "LL")

    def upgrades(self, person: DraftPerson) -> None:
        """Raise some levels during 2021–2025: by a dated certificate or by a course that grants it."""
        p, rng = person.obj, self.rng
        factor = person.factor
        upgrade = functools.partial(self._upgrade, person)
        senior = p.leadership_level >= 3 or p.btv_managed or p.btv_succession
        if p.education_level == 4 and p.category in (C.CADRE, C.CIVIL_SERVANT, C.PUBLIC_EMPLOYEE):
            chance = 0.3 if senior else 0.12 if p.leadership_level == 2 else 0.05
            upgrade(Q.EDUCATION, 5, chance * factor, ["THS", "THSL"], 0.6, "ThS")
        if p.education_level < 2 and p.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT):
            upgrade(Q.EDUCATION, 2, 0.55 * factor, [], 0.0, "TC")
        if p.education_level == 3 and rng.random() < 0.2:
            upgrade(Q.EDUCATION, 4, 0.8, ["DHL"], 0.7, "B")
        if p.political_level < 3 and (p.btv_succession or p.leadership_level >= 3):
            upgrade(Q.POLITICAL_THEORY, 3, 0.6 * factor, ["CCLL"], 0.85, "CCLL")
        elif p.political_level < 2 and (p.leadership_level == 2 or p.category == C.COMMUNE_CADRE):
            upgrade(Q.POLITICAL_THEORY, 2, 0.45 * factor, ["TCLL"], 0.8, "TCLL")
        if p.language_level < 3 and p.birth_date.year >= 1980:
            upgrade(Q.FOREIGN_LANGUAGE, 3, 0.18 * factor, ["NNB3"], 0.5, "NN")
        elif p.language_level == 3 and rng.random() < 0.1:
            upgrade(Q.FOREIGN_LANGUAGE, 4, 0.8, ["NNB4"], 0.6, "NN")

    def _upgrade(self, person: DraftPerson, kind, level, chance, course_keys, course_share, prefix) -> None:
        """With ``chance``, raise the person's ``kind`` to ``level`` in a year of the programme: by a course of
        ``course_keys`` that grants it (``course_share`` of the time, when one fits), else by a certificate."""
        p, rng = person.obj, self.rng
        if rng.random() >= chance:
            return
        year = rng.choice(list(PROGRAMME_YEARS))
        if not self.employed_in(person, year):
            return
        if rng.random() < course_share:
            course = self.ending_in(course_keys, year, person)
            if course is not None:
                self.enrol(person, course, result="hoan_thanh")
                return
        on = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        if on <= self.today and (p.end_date is None or on < p.end_date) and on >= p.start_date:
            self.qualify(person, kind, level, on, prefix)

    def appoint(self, person: DraftPerson) -> None:
        """Record rank and leadership appointments of 2021–2025, trained before them or (for some) after."""
        p, rng = person.obj, self.rng
        if p.category not in (C.CADRE, C.CIVIL_SERVANT, C.PUBLIC_EMPLOYEE):
            return
        window_end = min(datetime.date(2025, 12, 20), self.today)
        if p.end_date is not None:
            window_end = min(window_end, p.end_date - datetime.timedelta(days=1))
        planned = self._planned_post(person, window_end)
        planned += self._planned_rank(person, window_end)
        for kind, title, on, keys in planned:
            self.appointments.append(Appointment(person_id=p.pk, kind=kind, title=title, appointed_on=on))
            if self._trained_before(person, keys, on):
                continue
            if rng.random() < 0.55:  # trained late: after the appointment
                self.enrol(person, self.pick_course(person, keys, on.year + 1, after=on))

    def _planned_post(self, person: DraftPerson, window_end: datetime.date) -> list[tuple]:
        """Return the leadership appointment of some leaders (two years into the job at the earliest)."""
        p = person.obj
        if not (p.leadership_level >= 1 and self.rng.random() < 0.4):
            return []
        earliest = max(datetime.date(2021, 1, 15), p.start_date + datetime.timedelta(days=730))
        if earliest >= window_end:
            return []
        keys = ["LDS"] if p.leadership_level >= 3 else ["LDP"]
        return [(AppointmentKind.POST, p.position_title, self._date_in(earliest, window_end), keys)]

    def _planned_rank(self, person: DraftPerson, window_end: datetime.date) -> list[tuple]:
        """Return the rank appointment of some cadres and civil servants: a new hire's after the probation
        year, or a senior one's to the main specialist rank."""
        p, rng = person.obj, self.rng
        if p.category not in (C.CADRE, C.CIVIL_SERVANT):
            return []
        new_hire = p.start_date >= datetime.date(2020, 6, 1)
        if new_hire and rng.random() < 0.8:
            on = p.start_date + datetime.timedelta(days=rng.randint(365, 420))  # after the probation year
            if datetime.date(2021, 1, 1) <= on <= window_end:
                return [(AppointmentKind.RANK, "Chuyên viên", on, ["NCV"])]
        elif not new_hire and p.leadership_level <= 2 and rng.random() < 0.14:
            on = self._date_in(datetime.date(2021, 3, 1), window_end)
            if on > datetime.date(2021, 3, 1):
                return [(AppointmentKind.RANK, "Chuyên viên chính", on, ["NCVC"])]
        return []

    def _trained_before(self, person: DraftPerson, keys: list[str], on: datetime.date) -> bool:
        """Enrol most people (by diligence) in a completed course of ``keys`` of the two years before an
        appointment on ``on``; return whether they were."""
        if self.rng.random() >= min(0.97, 0.8 * person.factor + 0.06):
            return False
        for year in (on.year, on.year - 1, on.year - 2):
            course = self.pick_course(person, keys, year, before=on)
            if course is not None:
                return bool(self.enrol(person, course, result="hoan_thanh"))
        return False

    def annual_training(self, person: DraftPerson) -> None:
        """Take the yearly courses of the person's category (and the annual update of BTV cadres)."""
        rng = self.rng
        p = person.obj
        plan = ANNUAL_TRAINING.get(p.category, [])
        keys_of = {
            "phap_luat": ["PL"],
            "dao_duc_cong_vu": ["DDCV"],
            "ky_nang_cong_vu": ["KNCV"],
            "chuyen_mon": ["CM"],
            "dao_duc_nghe_nghiep": ["DDNN"],
            "khac": ["CDS", "VTLT"],
        }
        for year in PROGRAMME_YEARS:
            if not self.employed_in(person, year):
                continue
            scale = person.factor * TREND[year]
            chosen = [code for code, base in plan if rng.random() < base * scale]
            if "phap_luat" in chosen and "dao_duc_cong_vu" in chosen and rng.random() < 0.5:
                chosen = [code for code in chosen if code not in ("phap_luat", "dao_duc_cong_vu")]
                self.enrol(person, self.pick_course(person, ["PLDD"], year))
            for code in chosen:
                self.enrol(person, self.pick_course(person, keys_of[code], year))
            if p.btv_managed and rng.random() < min(0.99, 0.9 * min(1.06, person.factor) * TREND[year] ** 0.5):
                self.enrol(person, self.pick_course(person, ["CNKT"], year))

    def title_training(self, person: DraftPerson) -> None:
        """Train public employees to the standard of their professional title (once; most before 2021)."""
        rng = self.rng
        p = person.obj
        if p.category != C.PUBLIC_EMPLOYEE:
            return
        health = p.position_title in HEALTH_TITLES or "Y tế" in p.position_title or "Y sĩ" in p.position_title
        keys = ["CDYT"] if health else ["CDNN"]
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if not self.employed_in(person, year):
                continue
            chance = 0.5 if year < 2021 else 0.24 * person.factor * TREND[year]
            if rng.random() < chance and self.enrol(person, self.pick_course(person, keys, year)) == "hoan_thanh":
                return

    def deputy_training(self, person: DraftPerson) -> None:
        """Train People's Council deputies once in the 2021–2026 term (most right after the election)."""
        rng = self.rng
        if not person.obj.deputy_term or rng.random() > min(0.98, 0.9 * person.factor + 0.1):
            return
        year = self._weighted({2021: 55, 2022: 25, 2023: 10, 2024: 6, 2025: 4})
        while year <= 2025:
            if self.enrol(person, self.pick_course(person, ["HDND"], year)) == "hoan_thanh":
                return
            year += 1  # failed, dropped or not employed yet: try next year's course

    def current_studies(self, person: DraftPerson) -> None:
        """Enrol some people in the long courses that run now (degrees, political theory, languages)."""
        p, rng = person.obj, self.rng
        if p.end_date is not None:
            return
        if p.education_level == 4 and p.category in (C.CADRE, C.CIVIL_SERVANT) and rng.random() < 0.06:
            self.enrol(person, self.pick_course(person, ["THS", "THSL"], rng.choice([2025, 2026])))
        if p.political_level < 3 and p.leadership_level >= 2 and rng.random() < 0.1:
            self.enrol(person, self.pick_course(person, ["CCLL"], 2026))
        elif (
            p.political_level < 2 and p.category in (C.CADRE, C.CIVIL_SERVANT, C.COMMUNE_CADRE) and rng.random() < 0.05
        ):
            self.enrol(person, self.pick_course(person, ["TCLL"], 2026))
        if p.language_level < 3 and p.birth_date.year >= 1985 and rng.random() < 0.05:
            self.enrol(person, self.pick_course(person, ["NNB3", "NNB4"], 2026))

    # -- writing ---------------------------------------------------------------------------------

    def write_history(self) -> None:
        """Write the qualifications, appointments and training records generated (bulk, with history)."""

        self._insert(self.qualifications, Qualification)
        self._insert(self.appointments, Appointment)
        self._insert(self.records, TrainingRecord)
        self.summary.qualifications = len(self.qualifications)
        self.summary.appointments = len(self.appointments)
        self.summary.records = len(self.records)
