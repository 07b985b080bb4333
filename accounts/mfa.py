"""Multi-factor login (TOTP) for the accounts that can change everything: admins and importers.

Who needs it: a user with the ``exchange.add_importbatch`` permission (today the admin role, and every
superuser). After the password, such a user must enter the 6-digit code of their authenticator app
(django-otp's ``TOTPDevice``) before any page; one without a confirmed device enrols first. A session is
"verified" when django-otp's ``DEVICE_ID_SESSION_KEY`` names a confirmed device of its user (read by
``django_otp.middleware.OTPMiddleware``); ``accounts.mfa_middleware.MfaRequiredMiddleware`` enforces it.
"""

import datetime
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
# Session keys: whether this session's user must pass the code step, and the user's ``role_version`` it was
# decided at (see session_needs_mfa).
SESSION_FLAG = "_mfa_required"
SESSION_ROLE_VERSION = "_mfa_role_version"
# Wrong codes allowed before any wait (a mistyped code must not hold up the right one typed next); from then on
# the n-th failure makes the next try wait 2^(n-1) seconds (at most an hour).
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 3600


def needs_mfa(user) -> bool:
    """Return whether ``user`` must pass the one-time-code step after their password."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(MFA_PERMISSION)


def session_needs_mfa(request) -> bool:
    """Return whether the request's logged-in user must pass the code step, following their role on every request.

    The permission check costs two queries, so its answer is kept in the session with the user's ``role_version``
    (read with the user, no query) and made again only when that changed: a role, permission or superuser flag
    given to a user who is logged in applies from their next request. Superusers are always asked.
    """
    user = request.user
    if user.is_superuser and user.is_active:
        return True
    required = request.session.get(SESSION_FLAG)
    if required is None or request.session.get(SESSION_ROLE_VERSION) != user.role_version:
        required = remember_requirement(request.session, user)
    return required


def remember_requirement(session, user) -> bool:
    """Decide whether ``user`` needs the code step, note it in their ``session`` with their role version."""
    required = needs_mfa(user)
    session[SESSION_FLAG] = required
    session[SESSION_ROLE_VERSION] = getattr(user, "role_version", None)
    return required


@receiver(user_logged_in, dispatch_uid="accounts.mfa.logged_in")
def _decide_at_login(sender, request, user, **kwargs):
    """Decide at each login whether the new session needs the code step, and note the user's role."""
    if request is not None and hasattr(request, "session"):
        from .roles import remember_role

        remember_requirement(request.session, user)
        remember_role(request.session, user)


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


def wait_seconds(device: TOTPDevice) -> int:
    """Return how many seconds ``device`` must wait before its next code is checked (0: now).

    The first ``FREE_ATTEMPTS - 1`` wrong codes cost nothing; after n ≥ ``FREE_ATTEMPTS`` wrong codes in a row the
    next try waits 2^(n-1) seconds from the last failure. (django-otp's own throttle, which made the right code
    typed just after one wrong code wait a second, is off: ``OTP_TOTP_THROTTLE_FACTOR = 0``.)
    """
    failures = device.throttling_failure_count
    if failures < FREE_ATTEMPTS or device.throttling_failure_timestamp is None:
        return 0
    until = device.throttling_failure_timestamp + datetime.timedelta(seconds=min(2 ** (failures - 1), MAX_WAIT_SECONDS))
    remaining = (until - timezone.now()).total_seconds()
    return int(remaining) + 1 if remaining > 0 else 0


def check_code(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Check ``code`` against ``device`` (throttled after several wrong codes), and audit-log a refusal."""
    code = "".join(str(code or "").split())
    with transaction.atomic():
        # Lock the device row: two parallel guesses must both count against its throttle.
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        wait = wait_seconds(device)
        if wait:
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
    """Delete every one-time-code device of ``user`` (lost phone), end their sessions and tokens; return how many
    devices.

    They enrol a new app at their next login. Their open sessions and API tokens end too: enrolment needs only
    a logged-in session, so one left open (on the lost device, say) must not be the one to enrol, and a token
    obtained with the lost device must not outlive it.
    """
    from django_otp import devices_for_user

    from .sessions import end_access

    count = 0
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            count += 1
        end_access(user)
    audit.log_otp_reset(user, by=by, count=count)
    return count
