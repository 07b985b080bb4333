"""Code lists of the programme's vocabulary (programme spec, section 2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    CITY = "thanh_pho", _("Thành phố")
    DISTRICT = "huyen", _("Cấp huyện")
    COMMUNE = "xa", _("Cấp xã")


class Category(models.TextChoices):
    CADRE = "can_bo", _("Cán bộ")
    CIVIL_SERVANT = "cong_chuc", _("Công chức")
    COMMUNE_CADRE = "can_bo_xa", _("Cán bộ cấp xã")
    COMMUNE_CIVIL_SERVANT = "cong_chuc_xa", _("Công chức cấp xã")
    NON_SPECIALISED = "khong_chuyen_trach", _("Người hoạt động không chuyên trách")
    PUBLIC_EMPLOYEE = "vien_chuc", _("Viên chức")
    OTHER = "khac", _("Khác")


class Gender(models.TextChoices):
    MALE = "nam", _("Nam")
    FEMALE = "nu", _("Nữ")


class LeadershipLevel(models.IntegerChoices):
    NONE = 0, _("Không giữ chức vụ")
    TEAM = 1, _("Cấp tổ")
    DIVISION = 2, _("Cấp phòng và tương đương")
    DEPARTMENT = 3, _("Cấp sở, huyện và tương đương")
    CITY = 4, _("Cấp thành phố")


class QualificationKind(models.TextChoices):
    EDUCATION = "chuyen_mon", _("Trình độ chuyên môn")
    POLITICAL_THEORY = "ly_luan_chinh_tri", _("Lý luận chính trị")
    STATE_MANAGEMENT = "quan_ly_nha_nuoc", _("Quản lý nhà nước")
    FOREIGN_LANGUAGE = "ngoai_ngu", _("Ngoại ngữ")


class AppointmentKind(models.TextChoices):
    RANK = "ngach", _("Bổ nhiệm ngạch")
    POST = "chuc_vu", _("Bổ nhiệm chức vụ")
