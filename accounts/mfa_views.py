"""The one-time-code pages of the login: enter the code, or enrol an authenticator app first."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from . import mfa


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác thực"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=12,
        error_messages={
            "required": _("Vui lòng nhập mã 6 chữ số trong ứng dụng xác thực."),
            "invalid": _("Mã xác thực gồm đúng 6 chữ số."),
        },
    )

    # Whether the page shows the code typed again: yes when it was refused for its shape or for a wait (it may
    # still be right), no when it was wrong (a new code must be read from the app).
    keep_value = True

    def typed(self) -> str:
        """Return the code to show in the field again ("" when it is better typed anew)."""
        return (self.data.get("code") or "")[:12] if self.is_bound and self.keep_value else ""

    def refuse(self, result: mfa.CodeCheck) -> None:
        """Put the reason a code was refused on the form."""
        self.keep_value = result.throttled
        if result.throttled:
            message = ngettext(
                "Nhập sai quá nhiều lần. Vui lòng đợi %(seconds)d giây rồi thử lại.",
                "Nhập sai quá nhiều lần. Vui lòng đợi %(seconds)d giây rồi thử lại.",
                result.wait_seconds,
            ) % {"seconds": result.wait_seconds}
        else:
            message = _("Mã xác thực không đúng hoặc đã hết hạn. Vui lòng nhập mã đang hiện trong ứng dụng.")
        self.add_error("code", message)


def _next_url(request) -> str:
    """Return the safe page to go to after the code step (the one first asked for, else the home page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("home")


def _with_next(name: str, request) -> str:
    """Return the URL of page ``name`` carrying the request's ``next`` along."""
    target = request.POST.get("next") or request.GET.get("next")
    return reverse(name) + (f"?{urlencode({'next': target})}" if target else "")


@never_cache
@login_required
def verify(request):
    """Ask an admin or importer for the code of their authenticator app, after their password."""
    if not mfa.needs_mfa(request.user) or mfa.is_verified(request.user):
        return redirect(_next_url(request))
    if mfa.confirmed_device(request.user) is None:
        return redirect(_with_next("mfa_enrol", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa.verify_login(request=request, code=form.cleaned_data["code"])
        if result.accepted:
            return redirect(_next_url(request))
        form.refuse(result)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def enrol(request):
    """Show a new authenticator secret (QR code and key) and confirm it with the first code the app shows."""
    if not mfa.needs_mfa(request.user) or mfa.is_verified(request.user):
        return redirect(_next_url(request))
    if mfa.confirmed_device(request.user) is not None:
        # Adding a device needs the code of the one already confirmed: a password alone must not replace it.
        return redirect(_with_next("mfa_verify", request))
    device = mfa.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa.confirm_enrolment(request=request, device=device, code=form.cleaned_data["code"])
        if result.accepted:
            messages.success(
                request,
                _(
                    "Đã thiết lập xác thực hai lớp. Từ nay, mỗi lần đăng nhập hãy nhập mã 6 chữ số "
                    "đang hiện trong ứng dụng xác thực sau mật khẩu."
                ),
            )
            return redirect(_next_url(request))
        form.refuse(result)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": mark_safe(mfa.provisioning_qr_svg(device)),  # drawn here from the device's own URL
        "secret": mfa.secret_text(device),
    }
    return render(request, "accounts/mfa_enrol.html", context)
