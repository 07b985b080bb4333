"""The Django admin: for superusers only, titled in Vietnamese, with the third-party sections named in Vietnamese.

Day-to-day user management is in the product's own pages (accounts.views_users); the Django admin stays as the
superusers' tool for the rest (axes lockouts, API tokens, authenticator devices, programmes…).
"""

from django.apps import apps
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .scoping import may_use_admin_site

# Section (app) names and model names of the third-party apps, in Vietnamese (English in the catalogue).
APP_NAMES = {
    "axes": _("Chống dò mật khẩu"),
    "knox": _("Token API"),
    "otp_totp": _("Xác thực hai lớp (ứng dụng TOTP)"),
    "django_otp": _("Xác thực hai lớp"),
    "auth": _("Nhóm quyền"),
    "sessions": _("Phiên đăng nhập"),
}
MODEL_NAMES = {
    ("axes", "accessattempt"): (_("lần đăng nhập sai"), _("các lần đăng nhập sai")),
    ("axes", "accesslog"): (_("lượt đăng nhập"), _("nhật ký đăng nhập")),
    ("axes", "accessfailurelog"): (_("lần đăng nhập thất bại"), _("nhật ký đăng nhập thất bại")),
    ("axes", "accessattemptexpiration"): (_("hạn khóa đăng nhập"), _("hạn khóa đăng nhập")),
    ("knox", "authtoken"): (_("token API"), _("token API")),
    ("otp_totp", "totpdevice"): (_("ứng dụng xác thực"), _("ứng dụng xác thực")),
    ("auth", "group"): (_("nhóm quyền"), _("nhóm quyền")),
    ("auth", "permission"): (_("quyền"), _("quyền")),
}


def configure() -> None:
    """Title the admin site in Vietnamese, open it to superusers only, and rename the third-party sections."""
    admin.site.site_header = _("Quản trị hệ thống đào tạo, bồi dưỡng CBCCVC Hà Nội")
    admin.site.site_title = _("Quản trị hệ thống")
    admin.site.index_title = _("Quản trị dữ liệu (chỉ dành cho quản trị hệ thống)")
    admin.site.has_permission = may_use_admin_site
    for label, name in APP_NAMES.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:
            continue
    for (label, model_name), (singular, plural) in MODEL_NAMES.items():
        try:
            meta = apps.get_model(label, model_name)._meta
        except LookupError:
            continue
        meta.verbose_name, meta.verbose_name_plural = singular, plural
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            meta = history.model._meta
            meta.verbose_name = format_lazy(_("lịch sử: {}"), model._meta.verbose_name)
            meta.verbose_name_plural = meta.verbose_name
