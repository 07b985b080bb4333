"""Multi-factor login (TOTP) for the accounts that can change everything: admins and importers.

Who needs it: a user with the ``exchange.add_importbatch`` permission (today the admin role, and every
superuser). After the password, such a user must enter the 6-digit code of their authenticator app
(django-otp's ``TOTPDevice``) before any page; one without a confirmed device enrols first. A session is
"verified" when django-otp's ``DEVICE_ID_SESSION_KEY`` names a confirmed device of its user (read by
``django_otp.middleware.OTPMiddleware``); ``accounts.mfa_middleware.MfaRequiredMiddleware`` enforces it.
"""

import io
from base64 import b32encode
from dataclasses import dataclass

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit

# The permission that makes an account need a second factor (the importers'; admins have every permission).
MFA_PERMISSION = "exchange.add_importbatch"
# The name given to the authenticator device a user enrols (shown in the Django admin).
DEVICE_NAME = "authenticator"
# Session key: whether this session's user must pass the code step (decided at login, see session_needs_mfa).
SESSION_FLAG = "_mfa_required"


def needs_mfa(user) -> bool:
    """Return whether ``user`` must pass the one-time-code step after their password."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(MFA_PERMISSION)


def session_needs_mfa(request) -> bool:
    """Return whether the request's logged-in user must pass the code step, as decided when they logged in.

    The permission check costs two queries, so it is made once per session (at login, or at the first request of a
    session that predates this feature) and kept in the session; superusers are always asked. A role given to a user
    who is logged in applies from their next login.
    """
    user = request.user
    if user.is_superuser and user.is_active:
        return True
    required = request.session.get(SESSION_FLAG)
    if required is None:
        required = remember_requirement(request.session, user)
    return required


def remember_requirement(session, user) -> bool:
    """Decide whether ``user`` needs the code step, note it in their ``session``, and return it."""
    required = needs_mfa(user)
    session[SESSION_FLAG] = required
    return required


@receiver(user_logged_in, dispatch_uid="accounts.mfa.logged_in")
def _decide_at_login(sender, request, user, **kwargs):
    """Decide at each login whether the new session needs the code step."""
    if request is not None and hasattr(request, "session"):
        remember_requirement(request.session, user)


def is_verified(user) -> bool:
    """Return whether the request's ``user`` has passed the one-time-code step in this session."""
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator device, or None when they have not enrolled yet."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """Return the user's not-yet-confirmed device (its secret is being shown to them), creating it if needed."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """Return the device's secret as the base-32 key an authenticator app accepts typed in, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def provisioning_qr_svg(device: TOTPDevice) -> str:
    """Return an SVG picture of the QR code that loads ``device``'s secret into an authenticator app."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]  # without the XML declaration, to sit inside the HTML page


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a one-time code: accepted, or refused and why (``wait_seconds`` when throttled)."""

    accepted: bool
    throttled: bool = False
    wait_seconds: int = 0


def check_code(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Check ``code`` against ``device`` (throttled by django-otp), and audit-log a refusal."""
    code = "".join(str(code or "").split())
    with transaction.atomic():
        # Lock the device row: two parallel guesses must both count against its throttle.
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            locked_until = (details or {}).get("locked_until")
            wait = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
            audit.log_otp_failure(request, device.user, reason="throttled", failures=device.throttling_failure_count)
            return CodeCheck(accepted=False, throttled=True, wait_seconds=wait)
        if code.isdigit() and len(code) == device.digits:
            accepted = device.verify_token(code)  # counts a failure against the throttle itself
        else:
            accepted = False
            device.throttle_increment(commit=True)  # a malformed code is a failed guess too
    if not accepted:
        audit.log_otp_failure(request, device.user, reason="wrong_code", failures=device.throttling_failure_count)
        return CodeCheck(accepted=False)
    return CodeCheck(accepted=True)


def mark_verified(*, request, device: TOTPDevice) -> None:
    """Record in the session that its user passed the one-time-code step with ``device``."""
    request.session.cycle_key()  # a new session id for the more privileged session
    otp_login(request, device)
    audit.log_otp_success(request, device.user)


def verify_login(*, request, code: str) -> CodeCheck:
    """Check the logged-in user's code against their confirmed device and, if right, verify the session."""
    device = confirmed_device(request.user)
    if device is None:
        return CodeCheck(accepted=False)
    result = check_code(request=request, device=device, code=code)
    if result.accepted:
        mark_verified(request=request, device=device)
    return result


def confirm_enrolment(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a pending device with a code from the app, drop the user's other pending ones, verify the session."""
    result = check_code(request=request, device=device, code=code)
    if result.accepted:
        with transaction.atomic():
            device.refresh_from_db()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.devices_for_user(device.user, confirmed=False).delete()
        audit.log_otp_enrolled(request, device.user)
        mark_verified(request=request, device=device)
    return result


def reset_devices(*, user, by: str) -> int:
    """Delete every one-time-code device of ``user`` (lost phone) and end their sessions; return how many devices.

    They enrol a new app at their next login. Their open sessions end too: enrolment needs only a logged-in
    session, so one left open (on the lost device, say) must not be the one to enrol.
    """
    from django_otp import devices_for_user

    count = 0
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            count += 1
        end_sessions(user)
    audit.log_otp_reset(user, by=by, count=count)
    return count


def end_sessions(user) -> None:
    """Delete every stored session of ``user`` (database sessions; the few unexpired ones are decoded)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    theirs = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            theirs.append(session.pk)
    Session.objects.filter(pk__in=theirs).delete()
