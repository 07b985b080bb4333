"""The programme editor: create, duplicate, change a programme and its indicators; bad input writes nothing;
the live preview evaluates the indicator being edited over the city."""

import datetime

import pytest
import time_machine

from targets.models import Indicator, Programme

D = datetime.date
NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("editor_admin", role="admin", unit="HN"))
    return client


@pytest.fixture
def new_programme(db):
    return Programme.objects.create(
        code="HN-2026-2030", name="Chương trình 2026–2030", start_date=D(2026, 1, 1), end_date=D(2030, 12, 31)
    )


def indicator_post(**overrides):
    data = {
        "code": "SO1", "order": "1", "group": "CC", "name": "Kỹ năng số", "name_en": "", "description": "",
        "kind": "recurring", "target": "80", "categories": ["cong_chuc"], "unit_level": "",
        "min_leadership_level": "", "deputy_term": "", "max_age": "", "min_education": "", "min_political": "",
        "min_state_management": "", "min_language": "", "course_types": ["nd171_ky_nang_so"],
        "course_match": "any", "window_start": "", "window_end": "", "recurring_years": "2", "warning_days": "90",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_creates_a_programme_and_is_sent_to_it(admin_client):
    response = admin_client.post(
        "/quan-tri/chuong-trinh/them-moi/",
        {"code": "HN-2026-2030", "name": "Giai đoạn 2026–2030", "start_date": "2026-01-01", "end_date": "2030-12-31"},
    )
    programme = Programme.objects.get(code="HN-2026-2030")
    assert response.status_code == 302
    assert response["Location"] == f"/quan-tri/chuong-trinh/{programme.pk}/"


def test_a_programme_ending_before_it_starts_is_refused_and_not_written(admin_client):
    response = admin_client.post(
        "/quan-tri/chuong-trinh/them-moi/",
        {"code": "HN-X", "name": "Sai", "start_date": "2030-01-01", "end_date": "2026-12-31"},
    )
    assert response.status_code == 200
    assert "phải sau ngày bắt đầu" in response.content.decode()
    assert not Programme.objects.filter(code="HN-X").exists()


def test_duplicating_a_programme_copies_its_indicators_and_leaves_the_source_alone(admin_client, programme):
    before = list(programme.indicators.order_by("code").values_list("code", "target", "kind"))
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{programme.pk}/nhan-ban/",
        {"code": "HN-2026-2030", "name": "Bản sao", "start_date": "2026-01-01", "end_date": "2030-12-31"},
    )
    copy = Programme.objects.get(code="HN-2026-2030")
    assert response.status_code == 302
    assert list(copy.indicators.order_by("code").values_list("code", "target", "kind")) == before
    assert list(programme.indicators.order_by("code").values_list("code", "target", "kind")) == before
    assert len(before) > 0


def test_an_indicator_is_saved_with_the_new_fields(admin_client, new_programme):
    response = admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post())
    assert response.status_code == 302
    saved = new_programme.indicators.get()
    assert (saved.kind, saved.recurring_years, saved.warning_days, saved.course_types) == (
        "recurring",
        2,
        90,
        ["nd171_ky_nang_so"],
    )


@pytest.mark.parametrize("target", ["120", "-1", "100.5"])
def test_a_target_outside_0_to_100_is_refused_with_nothing_written(admin_client, new_programme, target):
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post(target=target)
    )
    assert response.status_code == 200
    assert "phải từ 0 đến 100" in response.content.decode()
    assert not Indicator.objects.filter(programme=new_programme).exists()


def test_an_indicator_with_no_population_is_refused_with_nothing_written(admin_client, new_programme):
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post(categories=[])
    )
    assert response.status_code == 200
    assert "chưa có đối tượng tính" in response.content.decode()
    assert not Indicator.objects.filter(programme=new_programme).exists()


def test_a_job_position_indicator_needs_no_other_population_filter(admin_client, new_programme):
    data = indicator_post(kind="job_position", categories=[], course_types=[], recurring_years="", warning_days="")
    response = admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", data)
    assert response.status_code == 302
    assert new_programme.indicators.get().kind == "job_position"


def test_a_code_taken_in_the_programme_is_refused(admin_client, new_programme):
    admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post())
    response = admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post())
    assert response.status_code == 200
    assert new_programme.indicators.count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_preview_counts_the_indicator_being_edited_over_the_city(
    admin_client, new_programme, make_person, make_course, complete
):
    done = make_person(category="cong_chuc")
    make_person(category="cong_chuc")
    make_person(category="vien_chuc")
    complete(done, make_course("nd171_ky_nang_so", year=2026))
    response = admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/xem-truoc/", indicator_post())
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="preview-counts">1 / 2<' in body
    assert not Indicator.objects.exists() or not new_programme.indicators.exists()


def test_the_preview_says_why_it_cannot_count(admin_client, new_programme):
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/xem-truoc/", indicator_post(target="150")
    )
    assert "phải từ 0 đến 100" in response.content.decode()


def test_other_roles_cannot_open_the_editor(client, make_user, new_programme):
    client.force_login(make_user("hr_editor", role="hr"))
    assert client.get("/quan-tri/chuong-trinh/").status_code == 403
    assert (
        client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post()).status_code
        == 403
    )
    assert not new_programme.indicators.exists()


@pytest.mark.usefixtures("figures_in_request")
@time_machine.travel(NOW, tick=False)
def test_editing_a_programme_leaves_another_programmes_stored_figures_as_they_were(
    admin_client, programme, units, make_person, make_course, complete
):
    from reports.freshness import load_figures
    from reports.models import StoredFigures

    trained = make_person(category="cong_chuc")
    make_person(category="cong_chuc")
    complete(trained, make_course("phap_luat", year=2025))
    city = units["HN"]

    def stored():
        return sorted(
            StoredFigures.objects.filter(programme=programme, year=2025).values_list("unit_id", "view", "figures")
        )

    before = load_figures(programme, city, year=2025).report.indicators
    rows_before = stored()
    assert any(result.denominator for result in before)
    created = admin_client.post(
        "/quan-tri/chuong-trinh/them-moi/",
        {"code": "HN-2026-2030", "name": "2026–2030", "start_date": "2026-01-01", "end_date": "2030-12-31"},
    )
    new = Programme.objects.get(code="HN-2026-2030")
    admin_client.post(f"/quan-tri/chuong-trinh/{new.pk}/chi-tieu/them-moi/", indicator_post())
    assert created.status_code == 302
    assert new.indicators.count() == 1
    assert load_figures(programme, city, year=2025).report.indicators == before
    assert stored() == rows_before


@pytest.mark.usefixtures("figures_in_request")
@time_machine.travel(NOW, tick=False)
def test_the_drill_down_of_a_recurring_indicator_lists_who_is_about_to_expire(
    admin_client, new_programme, make_person, make_course, complete
):
    soon = make_person(full_name="Nguyễn Văn Sớm", code="CB-SOM", category="cong_chuc")
    later = make_person(full_name="Trần Văn Muộn", code="CB-MUON", category="cong_chuc")
    complete(soon, make_course("nd171_ky_nang_so", start_date=D(2024, 12, 1), end_date=D(2024, 12, 20)))
    complete(later, make_course("nd171_ky_nang_so", start_date=D(2026, 5, 1), end_date=D(2026, 5, 20)))
    admin_client.post(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post())
    body = admin_client.get("/bao-cao/chi-tieu/SO1/?programme=HN-2026-2030&year=2026&unit=HN").content.decode()
    listed = body.split('class="expiring-list"')[1].split("</table>")[0]
    assert 'data-person="CB-SOM"' in listed
    assert "20/12/2026" in listed
    assert "CB-MUON" not in listed


def test_the_editor_speaks_english_to_who_chose_english(admin_client, new_programme):
    admin_client.cookies["django_language"] = "en"
    body = admin_client.get(f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/").content.decode()
    assert "Population (denominator)" in body
    assert "Preview of the city-wide figures" in body
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/", indicator_post(target="120", categories=[])
    )
    assert "The target (%) must be from 0 to 100" in response.content.decode()
    assert "has no population" in response.content.decode()


def test_a_warning_on_an_indicator_that_is_not_recurring_is_refused(admin_client, new_programme):
    response = admin_client.post(
        f"/quan-tri/chuong-trinh/{new_programme.pk}/chi-tieu/them-moi/",
        indicator_post(kind="annual", recurring_years="", warning_days="30"),
    )
    assert "Cảnh báo trước chỉ dùng cho chỉ tiêu định kỳ" in response.content.decode()
    assert not new_programme.indicators.exists()
