"""Remove a user's authenticator apps (lost phone): ``python manage.py reset_mfa USERNAME``."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.mfa import needs_mfa, reset_devices


class Command(BaseCommand):
    help = (
        "Xóa ứng dụng xác thực hai lớp của một tài khoản (mất điện thoại) và đăng xuất mọi phiên của tài khoản đó; "
        "lần đăng nhập sau sẽ thiết lập lại / Remove a user's authenticator devices and end their sessions; they "
        "enrol again at their next login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account whose devices are removed")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Không có tài khoản %(username)s.") % {"username": username})
        count = reset_devices(user=user, by=f"manage.py reset_mfa ({_operator()})")
        self.stdout.write(
            _("%(username)s: đã xóa %(count)d thiết bị xác thực và đăng xuất mọi phiên.")
            % {"username": username, "count": count}
        )
        if needs_mfa(user):
            self.stdout.write(_("Lần đăng nhập sau, tài khoản này sẽ được yêu cầu thiết lập lại ứng dụng xác thực."))


def _operator() -> str:
    """Return the operating-system account running the command (for the audit log)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"
