"""Audit log of logins: every success and failure goes to the ``hanoi.audit`` logger (never the password)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from config.security import client_ip

from .middleware import start_session_clock

logger = logging.getLogger("hanoi.audit")


def _address(request) -> str:
    """Return the client address of ``request``, or "-" for an in-process login."""
    return (client_ip(request) if request is not None else None) or "-"


@receiver(user_logged_in, dispatch_uid="accounts.audit.logged_in")
def log_login(sender, request, user, **kwargs):
    """Log a successful login and start the session's idle and absolute clocks."""
    if request is not None and hasattr(request, "session"):
        start_session_clock(request.session)
    logger.info(
        "login success username=%s ip=%s at=%s",
        user.get_username(),
        _address(request),
        timezone.now().isoformat(),
        extra={"event": "login_success", "username": user.get_username(), "ip": _address(request)},
    )


@receiver(user_login_failed, dispatch_uid="accounts.audit.login_failed")
def log_login_failure(sender, credentials, request=None, **kwargs):
    """Log a failed login with the username tried (credentials carry a masked password, which is not logged)."""
    username = str(credentials.get("username", ""))[:150]
    logger.warning(
        "login failure username=%s ip=%s at=%s",
        username,
        _address(request),
        timezone.now().isoformat(),
        extra={"event": "login_failure", "username": username, "ip": _address(request)},
    )


# One-time codes (accounts/mfa.py): the second step of an admin's or importer's login.


def log_otp_failure(request, user, *, reason: str, failures: int) -> None:
    """Log a refused one-time code (wrong, or tried while throttled), like a failed login."""
    logger.warning(
        "otp failure username=%s ip=%s reason=%s failures=%d at=%s",
        user.get_username(),
        _address(request),
        reason,
        failures,
        timezone.now().isoformat(),
        extra={
            "event": "otp_failure",
            "username": user.get_username(),
            "ip": _address(request),
            "reason": reason,
            "failures": failures,
        },
    )


def log_otp_success(request, user) -> None:
    """Log a session that passed the one-time-code step."""
    logger.info(
        "otp success username=%s ip=%s at=%s",
        user.get_username(),
        _address(request),
        timezone.now().isoformat(),
        extra={"event": "otp_success", "username": user.get_username(), "ip": _address(request)},
    )


def log_otp_enrolled(request, user) -> None:
    """Log that a user confirmed a new authenticator app."""
    logger.info(
        "otp enrolled username=%s ip=%s at=%s",
        user.get_username(),
        _address(request),
        timezone.now().isoformat(),
        extra={"event": "otp_enrolled", "username": user.get_username(), "ip": _address(request)},
    )


def log_otp_reset(user, *, by: str, count: int) -> None:
    """Log that someone removed a user's authenticator devices (lost phone)."""
    logger.warning(
        "otp reset username=%s by=%s devices=%d at=%s",
        user.get_username(),
        by,
        count,
        timezone.now().isoformat(),
        extra={"event": "otp_reset", "username": user.get_username(), "by": by, "devices": count},
    )
