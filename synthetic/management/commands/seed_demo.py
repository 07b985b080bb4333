"""Load demo data for a first run: Hanoi's real units, courses, synthetic people and demo accounts.

The generation lives in ``synthetic`` (``synthetic.demo.seed_demo`` runs it); this command reads the options
and reports.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from synthetic import demo


class Command(BaseCommand):
    @property
    def help(self):
        # Read when the parser is built, so it comes in the active language (argparse needs a plain str).
        return _(
            "Tạo dữ liệu mẫu cho lần chạy đầu: các đơn vị thật của Hà Nội trước và sau sắp xếp năm 2025, khóa "
            "học, cán bộ giả lập với quá trình công tác và quá trình đào tạo, và các tài khoản mẫu (admin, hr, "
            "leader, viewer, hr.hongha, leader.hongha, leader.badinh) dùng chung một mật khẩu mẫu. CẢNH BÁO: đây "
            "là tài khoản mẫu, phải xóa khi đưa vào sử dụng thật. Chỉ tạo khi chưa có cán bộ nào (hoặc với --flush)."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Không làm gì nếu cơ sở dữ liệu đã có cán bộ."),
        )
        parser.add_argument(
            "--people",
            type=int,
            default=demo.DEFAULT_PEOPLE,
            help=_("Số cán bộ giả lập (mặc định %(default)s)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=_("Hạt giống ngẫu nhiên: cùng hạt giống và số cán bộ cho cùng dữ liệu (mặc định %(default)s)."),
        )
        parser.add_argument(
            "--print-logins",
            action="store_true",
            help=_("Chỉ in bảng tài khoản mẫu (tên đăng nhập, vai trò, đơn vị, mật khẩu), không tạo gì."),
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help=_(
                "Xóa dữ liệu mẫu trước (mọi cán bộ, khóa học, đơn vị và tài khoản mẫu; không dùng khi "
                "DJANGO_ENV=production)."
            ),
        )

    def handle(self, *args, **options):
        if options["print_logins"]:
            self.print_logins()
            return
        if options["people"] < 0:
            raise CommandError(_("Số cán bộ phải là số không âm."))
        if options["flush"] and demo.is_production():
            raise CommandError(_("Không xóa dữ liệu khi DJANGO_ENV=production."))
        if not options["flush"] and demo.has_persons():
            if options["if_empty"]:
                self.stdout.write(_("Đã có dữ liệu cán bộ: không tạo dữ liệu mẫu."))
                return
            raise CommandError(
                _("Cơ sở dữ liệu đã có cán bộ. Dùng --flush để xóa và tạo lại dữ liệu mẫu, hoặc --if-empty để bỏ qua.")
            )
        if demo.is_production():
            self.stderr.write(_("Cảnh báo: đang tạo dữ liệu và tài khoản mẫu trên môi trường production."))
        started = time.perf_counter()
        with transaction.atomic():  # a failed reseed keeps the old demo data
            if options["flush"]:
                try:
                    demo.flush_demo()
                except ValueError as error:
                    raise CommandError(str(error)) from error
                self.stdout.write(_("Đã xóa dữ liệu mẫu cũ."))
            summary = demo.seed_demo(people=options["people"], seed=options["seed"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Đã tạo dữ liệu mẫu trong %(seconds).1f giây: %(units)s đơn vị, %(courses)s khóa học, "
                    "%(persons)s cán bộ, %(assignments)s quá trình công tác, %(qualifications)s văn bằng, "
                    "%(appointments)s lần bổ nhiệm, %(records)s kết quả đào tạo, %(users)s tài khoản mẫu."
                )
                % {"seconds": elapsed, **vars(summary)}
            )
        )

    def print_logins(self):
        """Print the demo accounts as a table."""
        logins = demo.demo_logins()
        if not logins:
            self.stdout.write(_("Chưa có tài khoản mẫu (chạy: python manage.py seed_demo)."))
            return
        header = (_("Tên đăng nhập"), _("Vai trò"), _("Đơn vị"), _("Mật khẩu"))
        rows = [(login.username, login.role, login.unit, login.password or _("(đã đổi)")) for login in logins]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

        def format_row(row):
            return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

        self.stdout.write(line)
        self.stdout.write(format_row(header))
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(format_row(row))
        self.stdout.write(line)
        self.stdout.write(_("Đây là tài khoản mẫu: hãy xóa chúng trước khi đưa vào sử dụng thật."))
        self.stdout.write(
            _(
                "Tài khoản quản trị (admin) cần thêm mã xác thực hai lớp: lần đăng nhập đầu tiên, quét mã QR bằng "
                "ứng dụng xác thực (Google Authenticator, Microsoft Authenticator, FreeOTP…) rồi nhập mã 6 số."
            )
        )
