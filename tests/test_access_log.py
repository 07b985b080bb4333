"""The access log: every view of a person's page and every export is recorded (who, when, what), once."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.access import record_access
from accounts.models import AccessAction, AccessLog, AppendOnlyError
from exchange.testing import csv_bytes, template_rows

NOW = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _now():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def person(make_person):
    return make_person(full_name="Phạm Thu Hà", code="CB-HA", unit="H01X1", citizen_id="001085001234")


@pytest.fixture
def leader(client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    return client


def access_log_writes(queries) -> list[str]:
    """Return the statements of ``queries`` that wrote to the access log table."""
    table = AccessLog._meta.db_table
    return [q["sql"] for q in queries if table in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]


# ---------------------------------------------------------------------------------------------
# A person's page


def test_viewing_a_person_page_records_who_when_what_and_from_where(hr, hr_user, person):
    assert hr.get(reverse("personnel:person_detail", args=[person.code]), {"year": "2025"}).status_code == 200
    entry = AccessLog.objects.get()
    assert entry.user == hr_user
    assert entry.username == "hr_h01"
    assert entry.at == NOW
    assert entry.action == AccessAction.VIEW_PERSON
    assert entry.target == "CB-HA"
    assert entry.unit == "H01X1"
    assert entry.filters == {"year": "2025"}
    assert entry.address == "127.0.0.1"


def test_a_person_page_view_writes_exactly_one_insert(hr, person):
    url = reverse("personnel:person_detail", args=[person.code])
    hr.get(url)
    with CaptureQueriesContext(connection) as queries:
        hr.get(url)
    writes = access_log_writes(queries.captured_queries)
    assert len(writes) == 1
    assert writes[0].lstrip().upper().startswith("INSERT")
    assert AccessLog.objects.count() == 2


def test_a_person_outside_the_scope_is_not_found_and_not_recorded(hr, make_person):
    other = make_person(unit="H02")
    assert hr.get(reverse("personnel:person_detail", args=[other.code])).status_code == 404
    assert not AccessLog.objects.exists()


def test_dashboards_are_not_recorded_but_the_person_list_is(leader, person):
    for url in (reverse("reports:dashboard"), reverse("reports:drilldown", args=["CC-3"])):
        assert leader.get(url).status_code == 200
    assert not AccessLog.objects.exists()
    assert leader.get(reverse("personnel:person_list"), {"q": "ha"}).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.action, entry.persons, entry.filters) == (AccessAction.LIST_PERSONS, 1, {"q": "ha"})


# ---------------------------------------------------------------------------------------------
# Exports and the print view

EXPORTS = [
    ("reports:export_xlsx", [], AccessAction.EXPORT, "bao-cao-chi-tieu-H01-2025.xlsx", {}),
    ("reports:export_csv", [], AccessAction.EXPORT, "bao-cao-chi-tieu-H01-2025.csv", {}),
    ("reports:print", [], AccessAction.PRINT, "bao-cao-chi-tieu-H01-2025", {}),
    ("reports:drilldown_xlsx", ["CC-3"], AccessAction.EXPORT, "chua-dat-CC-3-H01-2025.xlsx", {"indicator": "CC-3"}),
    ("reports:drilldown_csv", ["CC-3"], AccessAction.EXPORT, "chua-dat-CC-3-H01-2025.csv", {"indicator": "CC-3"}),
]


@pytest.mark.parametrize(("name", "args", "action", "target", "extra"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_every_export_is_recorded_once_with_its_unit_and_filters(leader, person, name, args, action, target, extra):
    leader.get(reverse("reports:dashboard"))  # stores the figures
    with CaptureQueriesContext(connection) as queries:
        response = leader.get(reverse(name, args=args))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    assert len(access_log_writes(queries.captured_queries)) == 1
    entry = AccessLog.objects.get()
    assert (entry.username, entry.action, entry.target, entry.unit) == ("lanhdao", action, target, "H01")
    assert entry.filters == {"programme": "HN-2021-2025", "year": 2025, "unit": "H01", **extra}


def test_an_export_of_another_unit_is_refused_and_not_recorded(leader, person):
    assert leader.get(reverse("reports:export_xlsx"), {"unit": "H02"}).status_code == 404
    assert not AccessLog.objects.exists()


def test_an_export_of_a_chosen_unit_records_that_unit(leader, person):
    leader.get(reverse("reports:drilldown_csv", args=["CC-3"]), {"unit": "H01X1", "year": "2024"})
    entry = AccessLog.objects.get()
    assert entry.unit == "H01X1"
    assert entry.filters["year"] == 2024


# ---------------------------------------------------------------------------------------------
# Imports: the failed-rows download is recorded; templates carry no personal data and are not


@pytest.fixture
def importer(client, make_user, settings):
    settings.IMPORT_JOBS_INLINE = True
    user = make_user("quantri", role="admin", unit="HN")
    client.force_login(user)
    return client


def test_the_failed_rows_download_is_recorded_and_a_template_download_is_not(importer, units):
    rows = [{"Mã cán bộ": "X1", "Họ và tên": "Phạm Thị Hằng", "Ngày sinh": "31/02/1990", "Mã đơn vị": "H01X1"}]
    handle = io.BytesIO(csv_bytes(template_rows("nhan_su", rows)))
    handle.name = "nhan_su.csv"
    batch = importer.post(reverse("exchange:upload", args=["nhan_su"]), {"file": handle}, follow=True).context["batch"]
    assert importer.get(reverse("exchange:template_download", args=["nhan_su", "xlsx"])).status_code == 200
    assert not AccessLog.objects.exists()

    assert importer.get(reverse("exchange:error_download", args=[batch.pk])).status_code == 200
    entry = AccessLog.objects.get()
    assert (entry.username, entry.action, entry.target) == (
        "quantri",
        AccessAction.FAILED_ROWS,
        f"dong-loi-lan-nhap-{batch.pk}.xlsx",
    )


# ---------------------------------------------------------------------------------------------
# The API


def _api(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_the_api_person_list_and_detail_are_each_recorded_once(hr_user, person):
    api = _api(hr_user)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/persons/", {"unit": "H01X1"}).status_code == 200
    assert len(access_log_writes(queries.captured_queries)) == 1
    listed = AccessLog.objects.get()
    assert (listed.action, listed.persons, listed.filters) == (AccessAction.API_LIST_PERSONS, 1, {"unit": "H01X1"})
    AccessLog.objects.filter(pk=listed.pk)._raw_delete(AccessLog.objects.db)  # start the detail's count afresh
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/api/v1/persons/{person.code}/").json()["code"] == "CB-HA"
    assert len(access_log_writes(queries.captured_queries)) == 1
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.target, entry.unit) == (
        hr_user,
        AccessAction.API_VIEW_PERSON,
        "CB-HA",
        "H01X1",
    )


def test_an_api_person_outside_the_scope_is_not_recorded(hr_user, make_person):
    other = make_person(unit="H02")
    assert _api(hr_user).get(f"/api/v1/persons/{other.code}/").status_code == 404
    assert not AccessLog.objects.exists()


# ---------------------------------------------------------------------------------------------
# The service and the model


def test_record_access_keeps_query_strings_small_and_refuses_a_forged_address(hr_user, person, settings):
    request = RequestFactory().get("/", {"q": "x" * 1000, **{f"k{i}": "v" for i in range(40)}})
    request.META["REMOTE_ADDR"] = "not-an-address"
    entry = record_access(user=hr_user, action=AccessAction.VIEW_PERSON, target=person, request=request)
    entry.refresh_from_db()
    assert entry.address is None
    assert len(entry.filters) == 20
    assert len(entry.filters["q"]) == 200


def test_record_access_reads_the_client_address_behind_a_trusted_proxy(hr_user, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.1")
    entry = record_access(user=hr_user, action=AccessAction.EXPORT, target="tep.xlsx", request=request, unit="H01")
    entry.refresh_from_db()
    assert (entry.address, entry.target, entry.unit) == ("203.0.113.7", "tep.xlsx", "H01")


def test_entries_are_append_only(hr_user):
    request = RequestFactory().get("/")
    entry = record_access(user=hr_user, action=AccessAction.EXPORT, target="a.xlsx", request=request)
    entry.target = "b.xlsx"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.update(target="b.xlsx")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().target == "a.xlsx"


def test_entries_are_added_in_bulk_with_one_insert(hr_user, django_assert_num_queries):
    entries = [AccessLog(user=hr_user, username="hr_h01", action=AccessAction.EXPORT, target=f"{i}") for i in range(50)]
    with django_assert_num_queries(1):
        AccessLog.objects.bulk_create(entries)
    assert AccessLog.objects.count() == 50


def test_an_entry_outlives_its_user_and_still_names_them(hr, hr_user, person):
    hr.get(reverse("personnel:person_detail", args=[person.code]))
    hr_user.delete()
    entry = AccessLog.objects.get()
    assert entry.user is None
    assert entry.username == "hr_h01"


def test_the_log_is_indexed_by_time_and_by_user():
    indexes = {tuple(index.fields) for index in AccessLog._meta.indexes}
    assert {("at",), ("user", "at")} <= indexes


# ---------------------------------------------------------------------------------------------
# The admin: read-only, filtered by user, action and date


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("quantri", role="admin", unit="HN"))
    return client


def test_admins_read_the_log_filtered_by_user_action_and_date(admin_client, hr_user, make_user):
    request = RequestFactory().get("/")
    other = make_user("khac", role="leader")
    record_access(user=hr_user, action=AccessAction.VIEW_PERSON, target="CB-HA", request=request)
    record_access(user=other, action=AccessAction.EXPORT, target="chua-dat.xlsx", request=request)
    url = reverse("admin:accounts_accesslog_changelist")

    def shown(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return sorted(entry.target for entry in response.context["cl"].result_list)

    assert shown() == ["CB-HA", "chua-dat.xlsx"]
    assert shown(user__id__exact=hr_user.pk) == ["CB-HA"]
    assert shown(action__exact="export") == ["chua-dat.xlsx"]
    assert shown(at__year=2025, at__month=11, at__day=20) == ["CB-HA", "chua-dat.xlsx"]  # the date hierarchy
    assert shown(at__year=2025, at__month=11, at__day=21) == []


def test_nobody_adds_changes_or_deletes_entries_through_the_admin(admin_client, hr_user):
    entry = record_access(user=hr_user, action=AccessAction.EXPORT, target="a.xlsx", request=RequestFactory().get("/"))
    assert admin_client.get(reverse("admin:accounts_accesslog_add")).status_code == 403
    change = reverse("admin:accounts_accesslog_change", args=[entry.pk])
    assert admin_client.get(change).status_code == 200  # read-only view
    assert admin_client.post(change, {"target": "b.xlsx"}).status_code == 403
    assert (
        admin_client.post(reverse("admin:accounts_accesslog_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AccessLog.objects.get().target == "a.xlsx"


def test_hr_and_leaders_cannot_read_the_log(client, make_user):
    for role in ("hr", "leader"):
        client.force_login(make_user(f"no_{role}", role=role))
        assert client.get(reverse("admin:accounts_accesslog_changelist")).status_code == 302  # to the admin login


def test_the_access_log_permission_is_not_granted_to_hr_or_leaders(make_user):
    for role in ("hr", "leader", "viewer"):
        assert not make_user(f"perm_{role}", role=role).has_perm("accounts.view_accesslog")
    assert Permission.objects.filter(codename="view_accesslog").exists()
