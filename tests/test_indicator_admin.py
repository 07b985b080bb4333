"""Admins configure indicators in the admin with check boxes, without code or hand-written JSON."""

from django.urls import reverse

from targets.forms import IndicatorForm
from targets.models import Indicator


def _form_data(indicator, **changes):
    form = IndicatorForm(instance=indicator)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        data[name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value not in (False, "", [])}


def test_an_admin_switches_cc3_to_require_both_course_types(programme, admin_client):
    indicator = Indicator.objects.get(programme=programme, code="CC-3")
    url = reverse("admin:targets_indicator_change", args=[indicator.pk])
    response = admin_client.post(url, _form_data(indicator, course_match="all"))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.course_match == "all"
    assert indicator.course_types == ["phap_luat", "dao_duc_cong_vu"]
    change = indicator.history.first()
    assert (change.history_type, change.history_user.username, change.course_match) == ("~", "admin", "all")


def test_appointment_requirements_are_edited_per_appointment_kind(programme):
    indicator = Indicator.objects.get(programme=programme, code="VC-2")
    data = _form_data(indicator, rank_appointment_courses=["chuc_danh_nghe_nghiep"])
    form = IndicatorForm(data, instance=indicator)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.appointment_requirements == {
        "ngach": ["chuc_danh_nghe_nghiep"],
        "chuc_vu": ["lanh_dao_quan_ly"],
    }


def test_an_appointment_indicator_without_required_courses_is_refused(programme):
    indicator = Indicator.objects.get(programme=programme, code="VC-2")
    data = _form_data(indicator)
    data.pop("post_appointment_courses")
    form = IndicatorForm(data, instance=indicator)
    assert not form.is_valid()
    assert "cần khóa học bắt buộc" in str(form.non_field_errors())


def test_unknown_categories_are_refused_with_a_clear_message(programme):
    indicator = Indicator.objects.get(programme=programme, code="VC-1")
    form = IndicatorForm(_form_data(indicator, categories=["giao_vien"]), instance=indicator)
    assert not form.is_valid()
    assert "categories" in form.errors
