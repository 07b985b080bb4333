"""Every page of the site × method × role × own or other unit: who is let in, and what nobody may see.

The table below lists every URL pattern outside /api/v1/ (the API has its own matrix); a pattern missing
from it fails ``test_every_page_url_is_in_the_access_matrix``. Pages under /admin/ follow one rule: only
admins get past the admin login. For each pattern, the matrix asks as anonymous, admin, HR officer, leader,
city-wide viewer and a user without a role, with the pattern's parameters filled from the user's own unit
and from another district, and checks:

- the answer is the one the rule says (login page, 403, 404 outside the scope, 405, or the page);
- a refused request wrote nothing;
- nothing a user of Ba Đình is let see names a person or unit of Đông Anh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.forms import CheckboxInput

from hr.forms import PersonForm
from personnel.models import Appointment, Person, Qualification
from training.models import TrainingRecord

from .access_matrix import (
    ADMIN_LOGIN,
    ANY_REDIRECT,
    BAD_REQUEST,
    CITIZEN_ID_READING,
    CITIZEN_IDS,
    CITY_WIDE,
    CORRECTED_ID,
    FORBIDDEN,
    FORM,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OTHER_CODE,
    OTHER_NAME,
    OTHER_UNIT_MARKERS,
    OWN_CODE,
    OWN_NAME,
    PAGE_OR_REDIRECT,
    REDIRECT,
    ROLES,
    SHOWN,
    SIBLING_CODE,
    SIBLING_NAME,
    Outcome,
    access_log_count,
    body_text,
    check_cell,
    leaked,
    outcome,
    reads_citizen_id,
    resolved_route,
    url_patterns,
    world_for_module,
)

GET, POST = "GET", "POST"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with world_for_module(django_db_blocker) as built:
        yield built


# ---------------------------------------------------------------------------------------------
# The rules


class Rule:
    """The access rules of the pages (``refusal`` says how each one turns a role away)."""

    PUBLIC = "public"
    SIGNED_IN = "signed in"  # any logged-in user
    READER = "reader"  # any role; another unit's record is a 404 outside a city-wide role
    REPORT = "report"  # READER, and only GET/HEAD (require_safe)
    WRITER = "writer"  # admin or HR; another unit's record is a 404 for HR
    IMPORTER = "importer"  # the import permission: admins
    IMPORTER_POST = "importer, POST only"  # require_POST before anything else
    ADMIN = "admin"  # the admin role only (reorganisations)
    ADMIN_POST = "admin, POST only"  # require_POST before anything else
    USER_ADMIN = "user admin"  # the admin role: the users pages
    USER_ADMIN_POST = "user admin, POST only"  # require_POST before anything else
    READER_POST = "reader, POST only"  # require_POST before anything else, then any role (approvals.views.act)


@dataclass(frozen=True)
class Page:
    rule: str
    answers: dict[str, Outcome]  # method -> answer to a user the rule lets in
    url: object  # (world, scope) -> path
    scopes: tuple[str, ...] = ("-",)  # "own", "other", "mixed" (own person, other person's record), "-": none


def refusal(page: Page, method: str, role: str, scope: str) -> Outcome | None:
    """Return how the rule refuses ``role`` (None: let in)."""
    rule = page.rule
    if rule == Rule.PUBLIC:
        return None
    if rule in (Rule.IMPORTER_POST, Rule.ADMIN_POST, Rule.USER_ADMIN_POST, Rule.READER_POST) and method != POST:
        return NOT_ALLOWED
    if role == "anonymous":
        return LOGIN
    if rule == Rule.SIGNED_IN:
        return None
    if rule == Rule.REPORT and method != GET:
        return NOT_ALLOWED
    if rule in (Rule.READER, Rule.REPORT, Rule.READER_POST) and role == "no_role":
        return FORBIDDEN
    if rule == Rule.WRITER and role not in ("admin", "hr"):
        return FORBIDDEN
    admin_only = (Rule.IMPORTER, Rule.IMPORTER_POST, Rule.ADMIN, Rule.ADMIN_POST, Rule.USER_ADMIN, Rule.USER_ADMIN_POST)
    if rule in admin_only and role != "admin":
        return FORBIDDEN
    if scope == "mixed":  # own person's page, another person's record
        return NOT_FOUND
    if scope == "other" and role not in CITY_WIDE:
        return NOT_FOUND
    return None


def expected(page: Page, method: str, role: str, scope: str) -> Outcome:
    return refusal(page, method, role, scope) or page.answers[method]


# ---------------------------------------------------------------------------------------------
# The table: every URL pattern outside /api/v1/ and /admin/


SCOPED = ("own", "other")
SCOPED_CHILD = ("own", "other", "mixed")
# A POST to a reading page is answered as a GET, and must write nothing.
READ_PAGE = {GET: SHOWN, POST: outcome("200, as a GET, writing nothing", 200, writes_nothing=True)}
WRITE_PAGE = {GET: SHOWN, POST: FORM}
REPORT_PAGE = {GET: SHOWN, POST: NOT_ALLOWED}


def person(world, scope):
    return world.persons["other" if scope == "other" else "own"]


def child_url(collection: str, action: str, records: str):
    """Return the URL builder of a person's record page (``mixed``: own person, other person's record)."""

    def url(world, scope):
        record = getattr(world, records)["own" if scope == "own" else "other"]
        return f"/nhan-su/{person(world, scope).code}/{collection}/{record.pk}/{action}/"

    return url


def report_url(path: str):
    """Return the URL builder of a report page asked for the user's own unit or another district."""
    return lambda world, scope: f"{path}?unit={'H02' if scope == 'other' else 'H01X1'}&year=2025"


def planned(key: str, path: str = ""):
    """Return the URL builder of a planning page of the own or the other district's plan (or class roster)."""

    def url(world, scope):
        other = "other " if scope == "other" else ""
        if key == "plan":
            return f"/ke-hoach/{world.planning[other + 'plan']}/{path}"
        if key == "class":
            return f"/ke-hoach/{world.planning[other + 'plan']}/lop/{world.planning[other + 'class']}/xoa/"
        if key == "withdraw":
            roster, nomination = world.planning[other + "roster"], world.planning[other + "nomination"]
            return f"/ke-hoach/lop/{roster}/rut/{nomination}/"
        return f"/ke-hoach/lop/{world.planning[other + 'roster']}/{path}"

    return url


POST_ONLY = {GET: NOT_ALLOWED, POST: REDIRECT}
POST_FORM = {GET: NOT_ALLOWED, POST: FORM}
PLANNING_PAGES = {
    "ke-hoach/": Page(Rule.READER, READ_PAGE, lambda w, s: "/ke-hoach/"),
    "ke-hoach/them/": Page(Rule.WRITER, POST_ONLY, lambda w, s: "/ke-hoach/them/"),
    "ke-hoach/<int:pk>/": Page(Rule.READER, READ_PAGE, planned("plan"), SCOPED),
    "ke-hoach/<int:pk>/lop/them/": Page(Rule.WRITER, WRITE_PAGE, planned("plan", "lop/them/"), SCOPED),
    "ke-hoach/<int:pk>/lop/<int:class_pk>/xoa/": Page(Rule.WRITER, POST_ONLY, planned("class"), SCOPED),
    "ke-hoach/<int:pk>/trinh/": Page(Rule.WRITER, POST_FORM, planned("plan", "trinh/"), SCOPED),
    "ke-hoach/<int:pk>/duyet/": Page(Rule.WRITER, POST_ONLY, planned("plan", "duyet/"), SCOPED),
    "ke-hoach/nhu-cau/": Page(Rule.REPORT, REPORT_PAGE, report_url("/ke-hoach/nhu-cau/"), SCOPED),
    "ke-hoach/nhu-cau/xlsx/": Page(Rule.REPORT, REPORT_PAGE, report_url("/ke-hoach/nhu-cau/xlsx/"), SCOPED),
    "ke-hoach/lop/": Page(Rule.READER, READ_PAGE, lambda w, s: "/ke-hoach/lop/"),
    "ke-hoach/lop/mo/": Page(Rule.WRITER, WRITE_PAGE, lambda w, s: "/ke-hoach/lop/mo/"),
    "ke-hoach/lop/<str:code>/": Page(Rule.READER, READ_PAGE, planned("roster"), SCOPED),
    "ke-hoach/lop/<str:code>/de-cu/": Page(Rule.WRITER, POST_FORM, planned("roster", "de-cu/"), SCOPED),
    "ke-hoach/lop/<str:code>/rut/<int:pk>/": Page(Rule.WRITER, POST_ONLY, planned("withdraw"), SCOPED),
    "ke-hoach/lop/<str:code>/ket-qua/": Page(Rule.WRITER, POST_FORM, planned("roster", "ket-qua/"), SCOPED),
    "ke-hoach/lop/<str:code>/nhap/": Page(Rule.WRITER, WRITE_PAGE, planned("roster", "nhap/"), SCOPED),
    "ke-hoach/thuc-hien/": Page(Rule.REPORT, REPORT_PAGE, report_url("/ke-hoach/thuc-hien/"), SCOPED),
    "ke-hoach/thuc-hien/xlsx/": Page(Rule.REPORT, REPORT_PAGE, report_url("/ke-hoach/thuc-hien/xlsx/"), SCOPED),
    "ke-hoach/nhac-viec/": Page(Rule.REPORT, REPORT_PAGE, lambda w, s: "/ke-hoach/nhac-viec/"),
}

PAGES: dict[str, Page] = {
    # accounts
    "": Page(Rule.SIGNED_IN, {GET: REDIRECT, POST: REDIRECT}, lambda w, s: "/"),
    "dang-nhap/": Page(Rule.PUBLIC, {GET: PAGE_OR_REDIRECT, POST: PAGE_OR_REDIRECT}, lambda w, s: "/dang-nhap/"),
    "dang-xuat/": Page(Rule.PUBLIC, {GET: NOT_ALLOWED, POST: ANY_REDIRECT}, lambda w, s: "/dang-xuat/"),
    "tam-biet/": Page(Rule.PUBLIC, {GET: SHOWN, POST: NOT_ALLOWED}, lambda w, s: "/tam-biet/"),
    # the favicon browsers ask for, and the user guide: public, holding no data
    "favicon.ico": Page(Rule.PUBLIC, {GET: REDIRECT, POST: NOT_ALLOWED}, lambda w, s: "/favicon.ico"),
    "huong-dan/": Page(Rule.PUBLIC, {GET: SHOWN, POST: NOT_ALLOWED}, lambda w, s: "/huong-dan/"),
    # the one-time-code step: a user who needs none (or has passed it) is sent on
    "xac-thuc-hai-buoc/": Page(Rule.SIGNED_IN, {GET: REDIRECT, POST: REDIRECT}, lambda w, s: "/xac-thuc-hai-buoc/"),
    "xac-thuc-hai-buoc/dang-ky/": Page(
        Rule.SIGNED_IN, {GET: REDIRECT, POST: REDIRECT}, lambda w, s: "/xac-thuc-hai-buoc/dang-ky/"
    ),
    # a set-password link (here a broken one: the page says so)
    "dat-mat-khau/<uidb64>/<token>/": Page(
        Rule.PUBLIC, {GET: SHOWN, POST: SHOWN}, lambda w, s: "/dat-mat-khau/MQ/khong-hop-le/"
    ),
    # the users pages: the admin role only (the ward officer's account is the one managed)
    "quan-tri/nguoi-dung/": Page(Rule.USER_ADMIN, READ_PAGE, lambda w, s: "/quan-tri/nguoi-dung/?q=matrix"),
    "quan-tri/nguoi-dung/them-moi/": Page(Rule.USER_ADMIN, WRITE_PAGE, lambda w, s: "/quan-tri/nguoi-dung/them-moi/"),
    "quan-tri/nguoi-dung/<int:pk>/": Page(
        Rule.USER_ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/nguoi-dung/{w.users['hr_ward'].pk}/"
    ),
    **{
        f"quan-tri/nguoi-dung/<int:pk>/{action}/": Page(
            Rule.USER_ADMIN_POST,
            {POST: REDIRECT},
            lambda w, s, action=action: f"/quan-tri/nguoi-dung/{w.users['hr_ward'].pk}/{action}/",
        )
        for action in ("vo-hieu-hoa", "kich-hoat-lai", "dat-lai-xac-thuc", "duong-dan-mat-khau")
    },
    "i18n/setlang/": Page(Rule.PUBLIC, {GET: ANY_REDIRECT, POST: ANY_REDIRECT}, lambda w, s: "/i18n/setlang/"),
    # personnel
    "nhan-su/": Page(Rule.READER, READ_PAGE, lambda w, s: "/nhan-su/"),
    "nhan-su/them-moi/": Page(Rule.WRITER, WRITE_PAGE, lambda w, s: "/nhan-su/them-moi/"),
    "nhan-su/<code:code>/": Page(Rule.READER, READ_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/", SCOPED),
    "nhan-su/<code:code>/chi-tieu/": Page(
        Rule.READER, {GET: REDIRECT, POST: REDIRECT}, lambda w, s: f"/nhan-su/{person(w, s).code}/chi-tieu/", SCOPED
    ),
    "nhan-su/<code:code>/sua/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/sua/", SCOPED
    ),
    "nhan-su/<code:code>/chuyen-cong-tac/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/chuyen-cong-tac/", SCOPED
    ),
    "nhan-su/<code:code>/van-bang/them/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/van-bang/them/", SCOPED
    ),
    "nhan-su/<code:code>/van-bang/<int:pk>/sua/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("van-bang", "sua", "qualifications"), SCOPED_CHILD
    ),
    "nhan-su/<code:code>/van-bang/<int:pk>/xoa/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("van-bang", "xoa", "qualifications"), SCOPED_CHILD
    ),
    "nhan-su/<code:code>/bo-nhiem/them/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/bo-nhiem/them/", SCOPED
    ),
    "nhan-su/<code:code>/bo-nhiem/<int:pk>/sua/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("bo-nhiem", "sua", "appointments"), SCOPED_CHILD
    ),
    "nhan-su/<code:code>/bo-nhiem/<int:pk>/xoa/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("bo-nhiem", "xoa", "appointments"), SCOPED_CHILD
    ),
    "nhan-su/<code:code>/dao-tao/them/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/nhan-su/{person(w, s).code}/dao-tao/them/", SCOPED
    ),
    "nhan-su/<code:code>/dao-tao/<int:pk>/sua/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("dao-tao", "sua", "records"), SCOPED_CHILD
    ),
    "nhan-su/<code:code>/dao-tao/<int:pk>/xoa/": Page(
        Rule.WRITER, WRITE_PAGE, child_url("dao-tao", "xoa", "records"), SCOPED_CHILD
    ),
    # training: courses are shared by the whole city; their attendees are scoped
    "dao-tao/": Page(Rule.READER, READ_PAGE, lambda w, s: "/dao-tao/"),
    "dao-tao/khoa-hoc/them-moi/": Page(Rule.WRITER, WRITE_PAGE, lambda w, s: "/dao-tao/khoa-hoc/them-moi/"),
    "dao-tao/khoa-hoc/<code:code>/": Page(Rule.READER, READ_PAGE, lambda w, s: f"/dao-tao/khoa-hoc/{w.course.code}/"),
    "dao-tao/khoa-hoc/<code:code>/sua/": Page(
        Rule.WRITER, WRITE_PAGE, lambda w, s: f"/dao-tao/khoa-hoc/{w.spare_course.code}/sua/"
    ),
    "dao-tao/ghi-ket-qua-ca-lop/": Page(Rule.WRITER, WRITE_PAGE, lambda w, s: "/dao-tao/ghi-ket-qua-ca-lop/"),
    "dao-tao/tim-can-bo/": Page(Rule.READER, READ_PAGE, lambda w, s: "/dao-tao/tim-can-bo/?q=van"),
    # reports: the unit asked for is the scope
    "bao-cao/": Page(Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/"), SCOPED),
    "bao-cao/in/": Page(Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/in/"), SCOPED),
    "bao-cao/xuat/xlsx/": Page(Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/xuat/xlsx/"), SCOPED),
    "bao-cao/xuat/csv/": Page(Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/xuat/csv/"), SCOPED),
    "bao-cao/chi-tieu/<code:code>/": Page(Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/chi-tieu/CC-3/"), SCOPED),
    "bao-cao/chi-tieu/<code:code>/xlsx/": Page(
        Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/chi-tieu/CC-3/xlsx/"), SCOPED
    ),
    "bao-cao/chi-tieu/<code:code>/csv/": Page(
        Rule.REPORT, REPORT_PAGE, report_url("/bao-cao/chi-tieu/CC-3/csv/"), SCOPED
    ),
    # year-end sign-off (approvals): the unit asked for is the scope; the buttons post to one address
    "phe-duyet/": Page(Rule.REPORT, REPORT_PAGE, report_url("/phe-duyet/"), SCOPED),
    "phe-duyet/so-sanh/": Page(Rule.REPORT, REPORT_PAGE, report_url("/phe-duyet/so-sanh/"), SCOPED),
    "phe-duyet/bao-cao-tong-ket/": Page(Rule.REPORT, REPORT_PAGE, report_url("/phe-duyet/bao-cao-tong-ket/"), SCOPED),
    "phe-duyet/bao-cao-tong-ket/xlsx/": Page(
        Rule.REPORT, REPORT_PAGE, report_url("/phe-duyet/bao-cao-tong-ket/xlsx/"), SCOPED
    ),
    # An empty post names no programme: 404 to anyone let in, nothing written.
    "phe-duyet/thao-tac/": Page(
        Rule.READER_POST, {POST: outcome("404", 404, writes_nothing=True)}, lambda w, s: "/phe-duyet/thao-tac/"
    ),
    # Bulk approval: admins only; an empty post is shown again with its error.
    "phe-duyet/hang-loat/": Page(Rule.IMPORTER, WRITE_PAGE, lambda w, s: "/phe-duyet/hang-loat/"),
    # imports
    "nhap-du-lieu/": Page(Rule.IMPORTER, READ_PAGE, lambda w, s: "/nhap-du-lieu/"),
    "nhap-du-lieu/lan-nhap/": Page(Rule.IMPORTER, READ_PAGE, lambda w, s: "/nhap-du-lieu/lan-nhap/"),
    "nhap-du-lieu/lan-nhap/<int:pk>/": Page(
        Rule.IMPORTER, READ_PAGE, lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['applied'].pk}/"
    ),
    "nhap-du-lieu/lan-nhap/<int:pk>/tien-do/": Page(
        Rule.IMPORTER,
        {GET: REDIRECT, POST: REDIRECT},
        lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['applied'].pk}/tien-do/",
    ),
    "nhap-du-lieu/lan-nhap/<int:pk>/xac-nhan/": Page(
        Rule.IMPORTER_POST,
        {POST: REDIRECT},
        lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['previewed'].pk}/xac-nhan/",
    ),
    "nhap-du-lieu/lan-nhap/<int:pk>/huy/": Page(
        Rule.IMPORTER_POST, {POST: REDIRECT}, lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['previewed'].pk}/huy/"
    ),
    "nhap-du-lieu/lan-nhap/<int:pk>/hoan-tac/": Page(
        Rule.IMPORTER,
        {GET: SHOWN, POST: REDIRECT},
        lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['applied'].pk}/hoan-tac/",
    ),
    "nhap-du-lieu/lan-nhap/<int:pk>/dong-loi.xlsx": Page(
        Rule.IMPORTER, READ_PAGE, lambda w, s: f"/nhap-du-lieu/lan-nhap/{w.batches['rejected'].pk}/dong-loi.xlsx"
    ),
    "nhap-du-lieu/mau/<str:kind>.<str:fmt>": Page(
        Rule.IMPORTER, READ_PAGE, lambda w, s: "/nhap-du-lieu/mau/nhan_su.csv"
    ),
    "nhap-du-lieu/<str:kind>/": Page(
        Rule.IMPORTER, {GET: SHOWN, POST: BAD_REQUEST}, lambda w, s: "/nhap-du-lieu/nhan_su/"
    ),
    # reorganisations (sắp xếp đơn vị): admins only
    "sap-xep-don-vi/": Page(Rule.ADMIN, READ_PAGE, lambda w, s: "/sap-xep-don-vi/"),
    "sap-xep-don-vi/moi/": Page(Rule.ADMIN, WRITE_PAGE, lambda w, s: "/sap-xep-don-vi/moi/"),
    "sap-xep-don-vi/<int:pk>/": Page(Rule.ADMIN, READ_PAGE, lambda w, s: f"/sap-xep-don-vi/{w.reorganisation.pk}/"),
    "sap-xep-don-vi/<int:pk>/ap-dung/": Page(
        Rule.ADMIN_POST, {POST: REDIRECT}, lambda w, s: f"/sap-xep-don-vi/{w.reorganisation.pk}/ap-dung/"
    ),
    "sap-xep-don-vi/<int:pk>/hoan-tac/": Page(
        Rule.ADMIN_POST, {POST: REDIRECT}, lambda w, s: f"/sap-xep-don-vi/{w.reorganisation.pk}/hoan-tac/"
    ),
    # planning: plans, class rosters, needs, planned against done, reminders
    **PLANNING_PAGES,
    # the admins' screens (console): units, job positions, the programme editor
    "quan-tri/don-vi/": Page(Rule.ADMIN, READ_PAGE, lambda w, s: "/quan-tri/don-vi/"),
    "quan-tri/don-vi/them-moi/": Page(Rule.ADMIN, WRITE_PAGE, lambda w, s: "/quan-tri/don-vi/them-moi/"),
    "quan-tri/don-vi/<int:pk>/": Page(Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/don-vi/{w.units['H02X1'].pk}/"),
    "quan-tri/don-vi/<int:pk>/giai-the/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/don-vi/{w.units['H02X1'].pk}/giai-the/"
    ),
    "quan-tri/vi-tri-viec-lam/": Page(Rule.ADMIN, READ_PAGE, lambda w, s: "/quan-tri/vi-tri-viec-lam/"),
    "quan-tri/vi-tri-viec-lam/them-moi/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: "/quan-tri/vi-tri-viec-lam/them-moi/"
    ),
    "quan-tri/vi-tri-viec-lam/<int:pk>/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/vi-tri-viec-lam/{_position().pk}/"
    ),
    "quan-tri/chuong-trinh/": Page(Rule.ADMIN, READ_PAGE, lambda w, s: "/quan-tri/chuong-trinh/"),
    "quan-tri/chuong-trinh/them-moi/": Page(Rule.ADMIN, WRITE_PAGE, lambda w, s: "/quan-tri/chuong-trinh/them-moi/"),
    "quan-tri/chuong-trinh/<int:pk>/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/"
    ),
    "quan-tri/chuong-trinh/<int:pk>/nhan-ban/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/nhan-ban/"
    ),
    "quan-tri/chuong-trinh/<int:pk>/chi-tieu/them-moi/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/chi-tieu/them-moi/"
    ),
    "quan-tri/chuong-trinh/<int:pk>/chi-tieu/xem-truoc/": Page(
        Rule.ADMIN_POST,
        {POST: outcome("200, a preview, writing nothing", 200, writes_nothing=True)},
        lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/chi-tieu/xem-truoc/",
    ),
    "quan-tri/chuong-trinh/<int:pk>/chi-tieu/<int:indicator_pk>/": Page(
        Rule.ADMIN, WRITE_PAGE, lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/chi-tieu/{w.indicator_pk}/"
    ),
    "quan-tri/chuong-trinh/<int:pk>/chi-tieu/<int:indicator_pk>/xoa/": Page(
        Rule.ADMIN_POST,
        {POST: REDIRECT},
        lambda w, s: f"/quan-tri/chuong-trinh/{_programme_pk(w)}/chi-tieu/{w.indicator_pk}/xoa/",
    ),
}


def _programme_pk(world) -> int:
    from targets.models import Indicator

    return Indicator.objects.get(pk=world.indicator_pk).programme_id


def _position():
    from personnel.job_positions import JobPosition

    return JobPosition.objects.get_or_create(code="VT-MATRIX", defaults={"name": "Vị trí thử"})[0]


# The site's administration: one rule for every pattern under it.
ADMIN_PREFIX = "admin/"


def page_patterns() -> list[str]:
    return [route for route in url_patterns() if not route.startswith("api/v1/")]


def test_every_page_url_is_in_the_access_matrix():
    unlisted = [r for r in page_patterns() if r not in PAGES and not r.startswith(ADMIN_PREFIX)]
    assert not unlisted, f"unlisted URL(s): add each to PAGES with its rule: {unlisted}"
    gone = [route for route in PAGES if route not in page_patterns()]
    assert not gone, f"PAGES lists URL(s) the site no longer has: {gone}"


def cases():
    for route, page in PAGES.items():
        for method in page.answers:
            yield pytest.param(route, method, id=f"{method} /{route}")


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), list(cases()))
def test_page_answers_each_role_as_its_rule_says(world, route, method):
    page = PAGES[route]
    wrong = []
    for scope in page.scopes:
        url = page.url(world, scope)
        assert resolved_route(url) == route, f"{url} is not served by /{route}"
        for role in ROLES:
            want = expected(page, method, role, scope)
            problem = check_cell(world.page_client(role), method, url, want, role=role)
            if problem:
                wrong.append(f"{role}, {scope}: {problem}")
    assert not wrong, f"{method} /{route}:\n" + "\n".join(wrong)


# ---------------------------------------------------------------------------------------------
# The administration site


ADMIN_PUBLIC = {
    "admin/login/": PAGE_OR_REDIRECT,
    "admin/logout/": outcome("back to the admin home, or 405: logging out takes a POST", 302, 405),
}


def admin_cases():
    for route in page_patterns():
        if route.startswith(ADMIN_PREFIX):
            yield pytest.param(route, id=f"GET /{route}")


def admin_url(route: str, world) -> str:
    """Return a path served by ``route``, its parameters filled with the admin user's id (or an app, a word)."""
    path = route.replace("<app_label>", "personnel").replace("<url>", "khong-co/")
    return "/" + re.sub(r"<[^>]+>|\(\[\^/\]\+\)", str(world.users["admin"].pk), path)


def admin_answer_is_wrong(route: str, role: str, response) -> bool:
    if route in ADMIN_PUBLIC:
        return not ADMIN_PUBLIC[route].matches(response)
    if role == "admin":
        # Past the login; a page may still refuse what makes no sense (a read-only log's "add", an empty lookup).
        return ADMIN_LOGIN.matches(response) or response.status_code >= 500
    return not ADMIN_LOGIN.matches(response)


@pytest.mark.django_db
@pytest.mark.parametrize("route", list(admin_cases()))
def test_only_admins_get_past_the_admin_login(world, route):
    url = admin_url(route, world)
    assert resolved_route(url) == route, f"{url} is not served by /{route}"
    wrong = []
    for role in ROLES:
        response = world.page_client(role).get(url)
        if admin_answer_is_wrong(route, role, response):
            wrong.append((role, response.status_code, response.get("Location", "")))
    assert not wrong, f"GET {url}: unexpected answers {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["hr", "leader", "viewer", "no_role"])
def test_a_staff_flag_does_not_open_the_unscoped_admin_to_any_other_role(world, role):
    get_user_model().objects.filter(pk=world.users[role].pk).update(is_staff=True)
    client = world.page_client(role)
    for url in ("/admin/", "/admin/personnel/person/", f"/admin/personnel/person/{world.persons['other'].pk}/change/"):
        response = client.get(url)
        assert ADMIN_LOGIN.matches(response), f"{url} as a staff {role}: {response.status_code}"


# ---------------------------------------------------------------------------------------------
# Lists and exports: another district's people never appear


def shown(world, who: str, url: str) -> str:
    """Return what ``url`` shows ``who`` (its text, or every cell of a spreadsheet)."""
    response = world.page_client(who).get(url)
    assert response.status_code == 200, f"{url} as {who}: {response.status_code}"
    return body_text(response)


PEOPLE, UNITS = "people", "units"
LISTS_AND_EXPORTS = {
    "/nhan-su/": PEOPLE,
    "/nhan-su/?q=van": PEOPLE,
    "/nhan-su/?employment=tat_ca": PEOPLE,
    "/nhan-su/?indicator=CC-3&year=2025": PEOPLE,
    "/dao-tao/khoa-hoc/K-MATRIX/": PEOPLE,
    "/dao-tao/tim-can-bo/?q=van": PEOPLE,
    "/bao-cao/chi-tieu/CC-3/?year=2025": PEOPLE,
    "/bao-cao/chi-tieu/CC-3/xlsx/?year=2025": PEOPLE,
    "/bao-cao/chi-tieu/CC-3/csv/?year=2025": PEOPLE,
    "/bao-cao/chi-tieu/CC-1/?year=2025": PEOPLE,
    "/bao-cao/xuat/xlsx/?year=2025": PEOPLE,
    "/bao-cao/?year=2025": UNITS,
    "/bao-cao/in/?year=2025": UNITS,
    "/bao-cao/xuat/csv/?year=2025": UNITS,
    "/ke-hoach/nhu-cau/?year=2025": PEOPLE,
    "/ke-hoach/nhu-cau/xlsx/?year=2025": PEOPLE,
    "/ke-hoach/nhac-viec/": PEOPLE,
}
# What the list shows of the user's own side: Ba Đình's person, or its ward among the child units.
OWN_SIDE = {PEOPLE: OWN_NAME, UNITS: "UBND phường Phúc Xá"}
# What the city-wide viewer sees of each district: the persons, or the districts among the city's child units.
BOTH_SIDES = {PEOPLE: (OWN_NAME, OTHER_NAME), UNITS: ("UBND quận Ba Đình", "UBND huyện Đông Anh")}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hr", "leader"])
@pytest.mark.parametrize("url", list(LISTS_AND_EXPORTS))
def test_a_list_or_export_for_ba_dinh_shows_its_people_and_none_of_dong_anh(world, who, url):
    text = shown(world, who, url)
    assert OWN_SIDE[LISTS_AND_EXPORTS[url]] in text
    assert not leaked(text)


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(LISTS_AND_EXPORTS))
def test_the_city_wide_viewer_sees_both_districts_in_the_same_list(world, url):
    text = shown(world, "viewer", url)
    # Both present: the absence above is the scope's doing, not the data's.
    assert all(side in text for side in BOTH_SIDES[LISTS_AND_EXPORTS[url]])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/nhan-su/",
        "/nhan-su/?q=van",
        "/dao-tao/khoa-hoc/K-MATRIX/",
        "/dao-tao/tim-can-bo/?q=van",
        "/bao-cao/chi-tieu/CC-3/?year=2025",
        "/bao-cao/chi-tieu/CC-3/csv/?year=2025",
        "/bao-cao/?year=2025",
    ],
)
def test_a_ward_officer_sees_neither_the_neighbouring_ward_nor_another_district(world, url):
    text = shown(world, "hr_ward", url)
    assert not leaked(text, (SIBLING_CODE, SIBLING_NAME, "UBND phường Trúc Bạch", *OTHER_UNIT_MARKERS))


@pytest.mark.django_db
def test_filtering_the_personnel_list_by_another_districts_unit_shows_nobody_of_it(world):
    text = shown(world, "hr", f"/nhan-su/?unit={world.units['H02X1'].pk}&employment=tat_ca")
    assert not leaked(text)


@pytest.mark.django_db
def test_an_importer_who_is_not_city_wide_lists_only_their_own_import_batches(world):
    for url in ("/nhap-du-lieu/", "/nhap-du-lieu/lan-nhap/"):
        text = shown(world, "hr_importer", url)
        assert "matrix-importer.csv" in text
        assert "matrix-applied.csv" not in text
    assert (
        world.page_client("hr_importer").get(f"/nhap-du-lieu/lan-nhap/{world.batches['applied'].pk}/").status_code
        == 404
    )
    assert "matrix-applied.csv" in shown(world, "admin", "/nhap-du-lieu/lan-nhap/")


# ---------------------------------------------------------------------------------------------
# Writes that point at another district: refused, nothing written


def form_data(form) -> dict:
    """Return the POST body that submits ``form`` with its current values unchanged."""
    data = {}
    for name, field_ in form.fields.items():
        value = form[name].value()
        if isinstance(field_.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


NEW_PERSON = {
    "code": "CB-NEW",
    "full_name": "Vũ Thị Mới",
    "birth_date": "01/02/1990",
    "category": "cong_chuc",
    "leadership_level": "0",
    "education_level": "4",
    "political_level": "0",
    "state_management_level": "0",
    "language_level": "0",
}


@pytest.mark.django_db
def test_hr_cannot_file_a_new_person_under_another_district(world):
    client = world.page_client("hr")

    refused = client.post("/nhan-su/them-moi/", {**NEW_PERSON, "unit": world.units["H02X1"].pk})

    assert refused.status_code == 200
    assert "unit" in refused.context["form"].errors
    assert not Person.objects.filter(code="CB-NEW").exists()
    saved = client.post("/nhan-su/them-moi/", {**NEW_PERSON, "unit": world.units["H01X2"].pk})
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    assert Person.objects.get(code="CB-NEW").unit.code == "H01X2"


@pytest.mark.django_db
def test_hr_cannot_move_their_person_to_another_district(world):
    person = world.persons["own"]
    data = form_data(PersonForm(instance=person, user=world.users["hr"]))
    client = world.page_client("hr")

    refused = client.post(f"/nhan-su/{person.code}/sua/", {**data, "unit": world.units["H02X1"].pk})

    assert refused.status_code == 200
    assert "unit" in refused.context["form"].errors
    assert Person.objects.get(pk=person.pk).unit.code == "H01X1"
    moved = client.post(f"/nhan-su/{person.code}/sua/", {**data, "unit": world.units["H01X2"].pk})
    assert moved.status_code == 302
    assert Person.objects.get(pk=person.pk).unit.code == "H01X2"


CHILD_FORMS = {
    "van-bang": (Qualification, {"kind": "chuyen_mon", "level": "5", "obtained_on": "01/01/2015"}),
    "bo-nhiem": (
        Appointment,
        {
            "kind": "chuc_vu",
            "title": "Phó Trưởng phòng",
            "appointed_on": "01/01/2023",
            "confirm_missing_training": "on",
        },
    ),
    "dao-tao": (TrainingRecord, {"result": "hoan_thanh", "completed_on": ""}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("collection", list(CHILD_FORMS))
def test_hr_cannot_add_a_record_to_another_districts_person(world, collection):
    model, data = CHILD_FORMS[collection]
    if collection == "dao-tao":
        data = {**data, "course": world.spare_course.pk}
    client = world.page_client("hr")
    count = model.objects.count()

    refused = client.post(f"/nhan-su/{world.persons['other'].code}/{collection}/them/", data)

    assert refused.status_code == 404
    assert model.objects.count() == count
    saved = client.post(f"/nhan-su/{world.persons['own'].code}/{collection}/them/", data)
    assert saved.status_code == 302
    assert model.objects.count() == count + 1


@pytest.mark.django_db
@pytest.mark.parametrize("codes", [OTHER_CODE, f"{OWN_CODE}\n{OTHER_CODE}"], ids=["theirs", "mine-and-theirs"])
def test_recording_a_class_that_names_another_districts_person_writes_nothing(world, codes):
    client = world.page_client("hr")
    data = {"course": world.spare_course.pk, "result": "hoan_thanh", "completed_on": ""}
    count = TrainingRecord.objects.count()

    refused = client.post("/dao-tao/ghi-ket-qua-ca-lop/", {**data, "codes": codes})

    assert refused.status_code == 200
    assert OTHER_CODE in str(refused.context["form"].errors["codes"])
    assert TrainingRecord.objects.count() == count
    assert client.post("/dao-tao/ghi-ket-qua-ca-lop/", {**data, "codes": OWN_CODE}).status_code == 302
    assert TrainingRecord.objects.count() == count + 1


# ---------------------------------------------------------------------------------------------
# Columns "history" and "list": how each role reads citizen IDs there, and the access log's trace (issue #17)


def _seen_by(world, role: str, url: str):
    """Return (the answer, its text, the access log entries it added), in a savepoint rolled back afterwards."""
    before = access_log_count()
    response = world.page_client(role).get(url)
    text = body_text(response) if response.status_code == 200 else ""
    return response, text, access_log_count() - before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_history_column_a_corrected_citizen_id_reads_in_the_history_as_on_the_profile(world, role):
    from personnel.services import save_person

    with transaction.atomic():
        person = Person.objects.get(pk=world.persons["own"].pk)
        person.citizen_id = CORRECTED_ID
        save_person(person=person)
        response, text, logged = _seen_by(world, role, f"/nhan-su/{OWN_CODE}/")
        transaction.set_rollback(True)
    reading = CITIZEN_ID_READING[role]
    if reading is None:
        assert response.status_code in (302, 403)
        assert logged == 0
        return
    assert response.status_code == 200
    assert logged == 1
    # Both the old and the new number, in the history panel and on the profile, read the role's way.
    assert reads_citizen_id(text, CITIZEN_IDS["own"], reading)
    assert reads_citizen_id(text, CORRECTED_ID, reading)


# role -> the persons the list shows the role (a search matching the three names)
LISTED = {"admin": ("own", "other", "sibling"), "viewer": ("own", "other", "sibling")}
LISTED |= {"hr": ("own", "sibling"), "leader": ("own", "sibling")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_column_the_person_list_masks_citizen_ids_by_role_and_is_logged_once(world, role):
    from accounts.models import AccessAction, AccessLog

    with transaction.atomic():
        response, text, logged = _seen_by(world, role, "/nhan-su/?q=van&employment=tat_ca")
        entry = AccessLog.objects.order_by("-id").first()
        transaction.set_rollback(True)
    reading = CITIZEN_ID_READING[role]
    if reading is None:
        assert response.status_code in (302, 403)
        assert logged == 0
        return
    assert response.status_code == 200
    assert logged == 1
    assert (entry.action, entry.persons, entry.filters["q"]) == (AccessAction.LIST_PERSONS, len(LISTED[role]), "van")
    for scope in LISTED[role]:
        assert reads_citizen_id(text, CITIZEN_IDS[scope], reading), scope
