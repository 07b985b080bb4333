"""Every endpoint of the API (/api/v1/) × method × role × own or other unit: who is let in, and what nobody may see.

The table lists every URL pattern under /api/v1/ (router resources expand to their list, detail and
format-suffix patterns); a pattern missing from it fails ``test_every_api_url_is_in_the_access_matrix``.
Each endpoint is called with GET, POST, PUT, PATCH and DELETE as anonymous, admin, HR officer, leader,
city-wide viewer and a user without a role (API tokens), on a record of the caller's own unit and of
another district, and the matrix checks:

- the answer is the one the rule says (401, 403, 404 outside the scope, 405, or the data);
- a refused request wrote nothing;
- nothing a user of Ba Đình is let read names a person or unit of Đông Anh.

A write's body is empty ({}): the matrix asks who may write, not what; writes that name another unit's
records are the tests at the end of this file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .access_matrix import (
    API_WRITE,
    CITIZEN_ID_READING,
    CITIZEN_IDS,
    CITY_WIDE,
    CORRECTED_ID,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OTHER_CODE,
    OTHER_UNIT_MARKERS,
    OWN_CODE,
    ROLES,
    SHOWN,
    SIBLING_CODE,
    SIBLING_NAME,
    UNAUTHORIZED,
    Outcome,
    access_log_count,
    body_text,
    check_cell,
    fingerprint,
    leaked,
    outcome,
    reads_citizen_id,
    resolved_route,
    url_patterns,
    world_for_module,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
READ_ONLY = ("GET",)
LIST_METHODS = ("GET", "POST")
DETAIL_METHODS = ("GET", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with world_for_module(django_db_blocker) as built:
        yield built


# ---------------------------------------------------------------------------------------------
# The rules


class Writers:
    """The roles a write gets past the permission check for (a method the endpoint lacks is then a 405)."""

    ADMIN_OR_HR = ("admin", "hr")  # api.permissions.HrWrites
    ADMIN = ("admin",)  # api.permissions.AdminWrites
    ANY_ROLE = ("admin", "hr", "leader", "viewer")  # api.permissions.HasRole: the compliance figures


@dataclass(frozen=True)
class Endpoint:
    methods: tuple[str, ...]  # the methods the endpoint serves
    url: object  # (world, scope) -> path
    writers: tuple[str, ...] = Writers.ADMIN_OR_HR
    scopes: tuple[str, ...] = ("-",)
    readers: str = "role"  # "role": any role; "signed in": any logged-in user; "anyone"
    anonymous: Outcome = UNAUTHORIZED
    answers: dict | None = None  # method -> answer to a caller let in (default: 200 to reads, API_WRITE)
    asked: tuple[str, ...] = METHODS  # the methods the matrix sends


def expected(endpoint: Endpoint, method: str, role: str, scope: str) -> Outcome:
    """Return the answer to ``role`` calling ``endpoint`` with ``method`` on a record of ``scope``."""
    if endpoint.readers != "anyone":
        if role == "anonymous":
            return endpoint.anonymous
        if role == "no_role" and endpoint.readers == "role":
            return FORBIDDEN
        # Permissions are checked before the method: a reader's write is 403 even where nobody writes.
        if method in WRITES and endpoint.readers == "role" and role not in endpoint.writers:
            return FORBIDDEN
    if method not in endpoint.methods:
        return NOT_ALLOWED
    if scope == "other" and role not in CITY_WIDE:
        return NOT_FOUND
    if endpoint.answers:
        return endpoint.answers[method]
    return SHOWN if method == "GET" else API_WRITE


# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Resource:
    """A router resource: its list and detail endpoints (and their ``.json`` twins)."""

    key: str  # the detail URL's parameter: code or pk
    detail: object  # (world, scope) -> the record's key
    writers: tuple[str, ...] = Writers.ADMIN_OR_HR
    scoped: bool = True
    read_only: bool = False


def own_or_other(records: str, attribute: str = "pk"):
    return lambda world, scope: getattr(getattr(world, records)[scope if scope == "other" else "own"], attribute)


RESOURCES = {
    "units": Resource("code", lambda w, s: w.units["H02X1" if s == "other" else "H01X1"].code, writers=Writers.ADMIN),
    "persons": Resource("code", own_or_other("persons", "code")),
    "qualifications": Resource("pk", own_or_other("qualifications")),
    "appointments": Resource("pk", own_or_other("appointments")),
    "course-types": Resource("code", lambda w, s: "phap_luat", scoped=False, read_only=True),
    "courses": Resource("code", lambda w, s: w.spare_course.code, scoped=False),
    "training-records": Resource("pk", own_or_other("records")),
    "programmes": Resource("code", lambda w, s: "HN-2021-2025", writers=Writers.ADMIN, scoped=False),
    "indicators": Resource("pk", lambda w, s: w.indicator_pk, writers=Writers.ADMIN, scoped=False),
}


def resource_endpoints(name: str, resource: Resource) -> dict[str, Endpoint]:
    """Return the four patterns a router registers for a resource, each with its rule."""
    base = f"api/v1/{name}"
    scopes = ("own", "other") if resource.scoped else ("-",)
    list_methods = READ_ONLY if resource.read_only else LIST_METHODS
    detail_methods = READ_ONLY if resource.read_only else DETAIL_METHODS

    def detail(suffix: str):
        return lambda w, s: f"/{base}/{resource.detail(w, s)}{suffix}"

    # The ``.json`` twins run the same view: they are asked one read and one write, not every method.
    return {
        f"{base}/": Endpoint(list_methods, lambda w, s: f"/{base}/", resource.writers),
        f"{base}.<format>/?": Endpoint(
            list_methods, lambda w, s: f"/{base}.json", resource.writers, asked=("GET", "POST")
        ),
        f"{base}/<{resource.key}>/": Endpoint(detail_methods, detail("/"), resource.writers, scopes),
        f"{base}/<{resource.key}>.<format>/?": Endpoint(
            detail_methods, detail(".json"), resource.writers, scopes, asked=("GET", "DELETE")
        ),
    }


def compliance(path: str):
    """Return the URL builder of a compliance endpoint asked about the caller's own unit or another district."""
    return lambda w, s: f"/api/v1/{path}?unit={'H02' if s == 'other' else 'H01X1'}&year=2025&indicator=CC-3"


BULK = {"POST": API_WRITE}
TOKEN_REVOKED = outcome("204: the token is revoked", 204)


def approvals_url(name: str):
    return lambda w, s: f"/api/v1/approvals/{name}/"


ENDPOINTS: dict[str, Endpoint] = {
    "api/v1/compliance/": Endpoint(READ_ONLY, compliance("compliance/"), Writers.ANY_ROLE, ("own", "other")),
    "api/v1/compliance/units/": Endpoint(
        READ_ONLY, compliance("compliance/units/"), Writers.ANY_ROLE, ("own", "other")
    ),
    "api/v1/compliance/unmet/": Endpoint(
        READ_ONLY, compliance("compliance/unmet/"), Writers.ANY_ROLE, ("own", "other")
    ),
    # Anyone may ask for a token; the body is empty, so the answer is 400.
    "api/v1/auth/login/": Endpoint(
        ("POST",), lambda w, s: "/api/v1/auth/login/", readers="anyone", answers={"POST": outcome("400", 400)}
    ),
    # Anyone holding a token may revoke it (or all of theirs), whatever their role.
    "api/v1/auth/logout/": Endpoint(
        ("POST",), lambda w, s: "/api/v1/auth/logout/", readers="signed in", answers={"POST": TOKEN_REVOKED}
    ),
    "api/v1/auth/logout-all/": Endpoint(
        ("POST",), lambda w, s: "/api/v1/auth/logout-all/", readers="signed in", answers={"POST": TOKEN_REVOKED}
    ),
    # The schema and its documentation hold no personal data: any logged-in user reads them.
    "api/v1/schema/": Endpoint(READ_ONLY, lambda w, s: "/api/v1/schema/", readers="signed in"),
    "api/v1/docs/": Endpoint(READ_ONLY, lambda w, s: "/api/v1/docs/", readers="signed in", anonymous=LOGIN),
    "api/v1/redoc/": Endpoint(READ_ONLY, lambda w, s: "/api/v1/redoc/", readers="signed in", anonymous=LOGIN),
    "api/v1/training-records/bulk/": Endpoint(("POST",), lambda w, s: "/api/v1/training-records/bulk/", answers=BULK),
    "api/v1/training-records/bulk.<format>/?": Endpoint(
        ("POST",), lambda w, s: "/api/v1/training-records/bulk.json", answers=BULK, asked=("GET", "POST")
    ),
    # Year-end sign-off: any role reads the approvals of its scope; every role gets past the permission to post
    # (the services say who may approve, accept, return); an empty body is a 400.
    "api/v1/approvals/": Endpoint(READ_ONLY, lambda w, s: "/api/v1/approvals/", Writers.ANY_ROLE),
    **{
        f"api/v1/approvals/{name}/": Endpoint(
            ("POST",), approvals_url(name), Writers.ANY_ROLE, answers={"POST": outcome("400", 400, writes_nothing=True)}
        )
        for name in ("approve", "accept", "return", "exceptions", "bulk")
    },
    # Any other address under /api/v1/: a JSON 404 for everyone.
    "api/v1/": Endpoint(
        METHODS,
        lambda w, s: "/api/v1/khong-co/",
        readers="anyone",
        answers=dict.fromkeys(METHODS, NOT_FOUND),
    ),
}
for _name, _resource in RESOURCES.items():
    ENDPOINTS.update(resource_endpoints(_name, _resource))


def _history(suffix: str):
    return lambda w, s: f"/api/v1/persons/{own_or_other('persons', 'code')(w, s)}/history{suffix}"


# A person's history: read by every role that sees the person, replaced by HR and admins (an empty body: 400).
ENDPOINTS["api/v1/persons/<code>/history/"] = Endpoint(
    ("GET", "PUT"), _history("/"), Writers.ADMIN_OR_HR, ("own", "other")
)
ENDPOINTS["api/v1/persons/<code>/history.<format>/?"] = Endpoint(
    ("GET", "PUT"), _history(".json"), Writers.ADMIN_OR_HR, ("own", "other"), asked=("GET", "PUT")
)


def planning_endpoints() -> dict[str, Endpoint]:
    """Return the planning resources' patterns (plans, planned classes, class rosters, nominations) with their rules:
    each record scoped to its unit (another district's plan, class or nomination is a 404), written by admin and HR."""

    def record(name: str):
        return lambda w, s: w.planning[("other " if s == "other" else "") + name]

    specs = {
        # name: (URL parameter, detail methods, record, {detail action: methods})
        "plans": ("pk", ("GET", "DELETE"), record("plan"), {"submit": ("POST",), "review": ("POST",)}),
        "planned-classes": ("pk", ("GET", "DELETE"), record("class"), {}),
        "classes": ("code", ("GET", "PUT", "PATCH"), record("roster"), {"results": ("POST",)}),
        "nominations": ("pk", ("GET", "DELETE"), record("nomination"), {}),
    }
    found = {}
    scopes = ("own", "other")
    for name, (key, detail_methods, detail, actions) in specs.items():
        base = f"api/v1/{name}"

        def at(suffix: str, base=base, detail=detail):
            return lambda w, s: f"/{base}/{detail(w, s)}{suffix}"

        found[f"{base}/"] = Endpoint(LIST_METHODS, lambda w, s, base=base: f"/{base}/")
        found[f"{base}.<format>/?"] = Endpoint(
            LIST_METHODS, lambda w, s, base=base: f"/{base}.json", asked=("GET", "POST")
        )
        found[f"{base}/<{key}>/"] = Endpoint(detail_methods, at("/"), scopes=scopes)
        found[f"{base}/<{key}>.<format>/?"] = Endpoint(
            detail_methods, at(".json"), scopes=scopes, asked=("GET", "DELETE")
        )
        for action, methods in actions.items():
            found[f"{base}/<{key}>/{action}/"] = Endpoint(methods, at(f"/{action}/"), scopes=scopes)
            found[f"{base}/<{key}>/{action}.<format>/?"] = Endpoint(
                methods, at(f"/{action}.json"), scopes=scopes, asked=("GET", "POST")
            )
    return found


ENDPOINTS.update(planning_endpoints())


def api_patterns() -> list[str]:
    return [route for route in url_patterns() if route.startswith("api/v1/")]


def test_every_api_url_is_in_the_access_matrix():
    unlisted = [route for route in api_patterns() if route not in ENDPOINTS]
    assert not unlisted, f"unlisted URL(s): add each to ENDPOINTS (or RESOURCES) with its rule: {unlisted}"
    gone = [route for route in ENDPOINTS if route not in api_patterns()]
    assert not gone, f"ENDPOINTS lists URL(s) the API no longer has: {gone}"


def cases():
    for route, endpoint in ENDPOINTS.items():
        for method in endpoint.asked:
            yield pytest.param(route, method, id=f"{method} /{route}")


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), list(cases()))
def test_api_answers_each_role_as_its_rule_says(world, route, method):
    endpoint = ENDPOINTS[route]
    wrong = []
    for scope in endpoint.scopes:
        url = endpoint.url(world, scope)
        assert resolved_route(url) == route, f"{url} is not served by /{route}"
        for role in ROLES:
            want = expected(endpoint, method, role, scope)
            problem = check_cell(world.api_client(role), method, url, want, role=role, api=True)
            if problem:
                wrong.append(f"{role}, {scope}: {problem}")
    assert not wrong, f"{method} /{route}:\n" + "\n".join(wrong)


# ---------------------------------------------------------------------------------------------
# Lists: another district's people never appear


def read(world, who: str, url: str) -> str:
    """Return the JSON text ``url`` answers ``who``."""
    response = world.api_client(who).get(url)
    assert response.status_code == 200, f"{url} as {who}: {response.status_code} {response.content[:200]!r}"
    return body_text(response)


# (url, what Ba Đình shows there, what Đông Anh would show there)
API_LISTS = {
    "/api/v1/persons/": (OWN_CODE, OTHER_CODE),
    "/api/v1/persons/?q=van": (OWN_CODE, OTHER_CODE),
    "/api/v1/persons/?page_size=1000&ordering=-updated_at": (OWN_CODE, OTHER_CODE),
    "/api/v1/qualifications/": (OWN_CODE, OTHER_CODE),
    "/api/v1/appointments/": (OWN_CODE, OTHER_CODE),
    "/api/v1/training-records/": (OWN_CODE, OTHER_CODE),
    "/api/v1/training-records/?course=K-MATRIX": (OWN_CODE, OTHER_CODE),
    "/api/v1/units/": ("H01X1", "H02X1"),
    "/api/v1/compliance/units/?year=2025&unit=HN": None,  # Ba Đình may not ask for the city (404 below)
    "/api/v1/compliance/unmet/?year=2025&indicator=CC-3": (OWN_CODE, OTHER_CODE),
    "/api/v1/compliance/unmet/?year=2025&indicator=CC-1": (OWN_CODE, OTHER_CODE),
    "/api/v1/plans/": ("H01X1", "H02X1"),
    "/api/v1/nominations/": (OWN_CODE, OTHER_CODE),
    "/api/v1/classes/": ("K-ROSTER-OWN", "K-ROSTER-THEIRS"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hr", "leader"])
@pytest.mark.parametrize("url", [url for url, sides in API_LISTS.items() if sides])
def test_an_api_list_for_ba_dinh_shows_its_records_and_none_of_dong_anh(world, who, url):
    text = read(world, who, url)
    assert API_LISTS[url][0] in text
    assert not leaked(text)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [url for url, sides in API_LISTS.items() if sides])
def test_the_city_wide_viewer_reads_both_districts_in_the_same_api_list(world, url):
    text = read(world, "viewer", url)
    assert all(side in text for side in API_LISTS[url])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/api/v1/persons/?unit=H02X1", "H02X1"),
        ("/api/v1/qualifications/?unit=H02", "H02"),
        ("/api/v1/appointments/?unit=H02X1", "H02X1"),
        ("/api/v1/training-records/?unit=H02X1", "H02X1"),
        ("/api/v1/compliance/units/?year=2025&unit=HN", "HN"),
        ("/api/v1/compliance/unmet/?year=2025&indicator=CC-3&unit=H02", "H02"),
    ],
)
def test_naming_another_district_in_an_api_filter_is_answered_like_an_unknown_unit(world, url, code):
    client = world.api_client("hr")
    response = client.get(url)
    unknown = client.get(url.replace(f"={code}", "=KHONG-CO"))

    assert response.status_code in (400, 404)
    assert (response.status_code, body_text(response).replace(code, "KHONG-CO")) == (
        unknown.status_code,
        body_text(unknown),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/qualifications/?person=CB-THEIRS", "/api/v1/training-records/?person=CB-THEIRS"]
)
def test_asking_an_api_list_for_another_districts_person_lists_nothing(world, url):
    text = read(world, "leader", url)
    assert '"count":0' in text.replace(" ", "")
    assert not leaked(text)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/persons/?q=van", "/api/v1/training-records/", "/api/v1/units/"])
def test_a_ward_officer_reads_neither_the_neighbouring_ward_nor_another_district(world, url):
    text = read(world, "hr_ward", url)
    assert not leaked(text, (SIBLING_CODE, SIBLING_NAME, "H01X2", *OTHER_UNIT_MARKERS))


# ---------------------------------------------------------------------------------------------
# Writes that point at another district: refused, nothing written


def hr_sends(world, method: str, url: str, body) -> tuple[int, dict, tuple]:
    """Return the status and JSON of ``body`` sent by the HR officer of Ba Đình, and whether anything changed."""
    before = fingerprint()
    response = getattr(world.api_client("hr"), method.lower())(url, body, format="json")
    return response.status_code, response.json(), (before, fingerprint())


def unchanged(states: tuple) -> bool:
    before, after = states
    return before == after


NEW_PERSON = {"code": "CB-NEW", "full_name": "Vũ Văn Mới", "birth_date": "1990-02-01", "category": "cong_chuc"}
NEW_RECORDS = {
    "qualifications": {"kind": "chuyen_mon", "level": 5, "obtained_on": "2015-01-01"},
    "appointments": {"kind": "chuc_vu", "title": "Phó phòng", "appointed_on": "2023-01-01"},
    "training-records": {"course": "K-SPARE", "result": "hoan_thanh"},
}
RECORDS_OF = {"qualifications": "qualifications", "appointments": "appointments", "training-records": "records"}


@pytest.mark.django_db
def test_hr_cannot_create_a_person_in_another_district_through_the_api(world):
    status, body, states = hr_sends(world, "POST", "/api/v1/persons/", {**NEW_PERSON, "unit": "H02X1"})

    assert (status, list(body)) == (400, ["unit"])
    assert unchanged(states)
    status, _body, states = hr_sends(world, "POST", "/api/v1/persons/", {**NEW_PERSON, "unit": "H01X2"})
    assert status == 201
    assert not unchanged(states)


@pytest.mark.django_db
def test_hr_cannot_move_their_person_to_another_district_through_the_api(world):
    url = f"/api/v1/persons/{OWN_CODE}/"
    status, body, states = hr_sends(world, "PATCH", url, {"unit": "H02X1"})

    assert (status, list(body)) == (400, ["unit"])
    assert unchanged(states)
    assert hr_sends(world, "PATCH", url, {"unit": "H01X2"})[0] == 200


@pytest.mark.django_db
@pytest.mark.parametrize("collection", list(NEW_RECORDS))
def test_hr_cannot_create_a_record_for_another_districts_person_through_the_api(world, collection):
    url = f"/api/v1/{collection}/"
    status, body, states = hr_sends(world, "POST", url, {**NEW_RECORDS[collection], "person": OTHER_CODE})

    assert (status, list(body)) == (400, ["person"])
    assert OTHER_CODE in body["person"][0]  # "not found in your scope", like an unknown code
    assert unchanged(states)
    status, _body, states = hr_sends(world, "POST", url, {**NEW_RECORDS[collection], "person": OWN_CODE})
    assert status == 201
    assert not unchanged(states)


@pytest.mark.django_db
@pytest.mark.parametrize("collection", list(NEW_RECORDS))
def test_hr_cannot_hand_their_record_over_to_another_districts_person_through_the_api(world, collection):
    record = getattr(world, RECORDS_OF[collection])["own"]
    status, body, states = hr_sends(world, "PATCH", f"/api/v1/{collection}/{record.pk}/", {"person": OTHER_CODE})

    assert (status, list(body)) == (400, ["person"])
    assert unchanged(states)


@pytest.mark.django_db
def test_a_bulk_write_naming_another_districts_person_writes_nothing_at_all(world):
    items = [
        {"person": OWN_CODE, "course": "K-SPARE", "result": "hoan_thanh"},
        {"person": OTHER_CODE, "course": "K-SPARE", "result": "hoan_thanh"},
    ]
    status, body, states = hr_sends(world, "POST", "/api/v1/training-records/bulk/", items)

    assert status == 400
    assert [(error["index"], error["field"]) for error in body["errors"]] == [(1, "person")]
    assert unchanged(states)  # not even Ba Đình's item
    status, body, states = hr_sends(world, "POST", "/api/v1/training-records/bulk/", items[:1])
    assert (status, body["created"]) == (200, 1)


# ---------------------------------------------------------------------------------------------
# Columns "history" and "list": how each role reads citizen IDs in the API, and the access log's trace (issue #17)

API_LISTED = {"admin": ("own", "other", "sibling"), "viewer": ("own", "other", "sibling")}
API_LISTED |= {"hr": ("own", "sibling"), "leader": ("own", "sibling")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_column_the_api_person_list_masks_citizen_ids_by_role_and_is_logged_once(world, role):
    from django.db import transaction

    from accounts.models import AccessAction, AccessLog

    with transaction.atomic():
        before = access_log_count()
        response = world.api_client(role).get("/api/v1/persons/", {"employment": "tat_ca"})
        logged = access_log_count() - before
        entry = AccessLog.objects.order_by("-id").first()
        transaction.set_rollback(True)
    reading = CITIZEN_ID_READING[role]
    if reading is None:
        assert response.status_code in (401, 403)
        assert logged == 0
        return
    assert response.status_code == 200
    assert logged == 1
    assert (entry.action, entry.persons) == (AccessAction.API_LIST_PERSONS, len(API_LISTED[role]))
    shown = {row["code"]: row["citizen_id"] for row in response.json()["results"]}
    codes = {"own": OWN_CODE, "other": OTHER_CODE, "sibling": SIBLING_CODE}
    assert set(shown) == {codes[scope] for scope in API_LISTED[role]}
    for scope in API_LISTED[role]:
        assert reads_citizen_id(shown[codes[scope]], CITIZEN_IDS[scope], reading), scope


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_history_column_a_corrected_citizen_id_reads_in_the_api_as_the_role_may(world, role):
    from django.db import transaction

    from personnel.models import Person
    from personnel.services import save_person

    with transaction.atomic():
        person = Person.objects.get(pk=world.persons["own"].pk)
        person.citizen_id = CORRECTED_ID
        save_person(person=person)
        response = world.api_client(role).get(f"/api/v1/persons/{OWN_CODE}/")
        text = response.content.decode()
        transaction.set_rollback(True)
    reading = CITIZEN_ID_READING[role]
    if reading is None:
        assert response.status_code in (401, 403)
        return
    # The API serves no history: the old number appears in no form, the new one as the role reads it.
    assert CITIZEN_IDS["own"] not in text
    assert "001*******01" not in text
    assert reads_citizen_id(response.json()["citizen_id"], CORRECTED_ID, reading)


@pytest.mark.django_db
def test_hr_cannot_nominate_another_districts_person_and_the_answer_reads_like_an_unknown_code(world):
    body = {"course": "K-ROSTER-OWN", "persons": [SIBLING_CODE, OTHER_CODE]}
    status, answer, states = hr_sends(world, "POST", "/api/v1/nominations/", body)
    _status, unknown, _states = hr_sends(
        world, "POST", "/api/v1/nominations/", {**body, "persons": [SIBLING_CODE, "X"]}
    )

    assert status == 400
    assert answer["persons"] == [m.replace("“X”", f"“{OTHER_CODE}”") for m in unknown["persons"]]
    assert unchanged(states)
    status, answer, states = hr_sends(world, "POST", "/api/v1/nominations/", {**body, "persons": [SIBLING_CODE]})
    assert (status, [n["status"] for n in answer]) == (201, ["chinh_thuc"])
