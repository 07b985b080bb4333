"""Changes to accounts, made by an admin: create, change role or unit, deactivate, reset the second factor.

The users pages (accounts.views_users) call these; each checks that the admin may make the change (the account's
unit, and the new one, inside the units they manage: ``accounts.scoping.manageable_units``), refuses bad input with
a Vietnamese ``ValidationError`` naming the field, value and reason, writing nothing, and records what it did in
the account log (``AccountEvent``) and the ``hanoi.audit`` logger: who, what, when.
"""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from personnel.models import OrgUnit

from .models import AccountAction, AccountEvent
from .roles import Role, role_of
from .scoping import manageable_units, manages_whole_city
from .sessions import end_access

logger = logging.getLogger("hanoi.audit")

User = get_user_model()
# Roles that see the whole city: only an admin who manages the whole city may give them.
CITY_WIDE_ROLES = (Role.ADMIN, Role.VIEWER)


def _record(*, by, user, action: AccountAction, detail: str = "") -> AccountEvent:
    """Write the account log entry and the audit log line of a change."""
    event = AccountEvent.objects.create(
        actor=by,
        actor_username=by.get_username(),
        target=user,
        target_username=user.get_username(),
        action=action,
        detail=detail[:500],
    )
    logger.info(
        "account %s username=%s by=%s detail=%s at=%s",
        action.value,
        user.get_username(),
        by.get_username(),
        detail,
        event.at.isoformat(),
        extra={"event": f"account_{action.value}", "username": user.get_username(), "by": by.get_username()},
    )
    return event


# --- Checks -------------------------------------------------------------------------------------------------------


def check_may_manage(*, by, user) -> None:
    """Refuse when ``by`` may not manage ``user`` (not an admin, or the account's unit is outside their scope)."""
    if role_of(by) != Role.ADMIN:
        raise PermissionError(_("Chỉ quản trị viên được quản lý tài khoản."))
    if user.is_superuser and not by.is_superuser:
        raise PermissionError(_("Tài khoản quản trị hệ thống chỉ được quản lý trong trang quản trị Django."))
    if manages_whole_city(by):
        return
    if user.unit_id is None or not manageable_units(by).filter(pk=user.unit_id).exists():
        message = _("Tài khoản %(username)s thuộc đơn vị ngoài phạm vi quản lý của bạn.")
        raise PermissionError(message % {"username": user.get_username()})


def check_unit(*, by, unit) -> OrgUnit:
    """Return ``unit`` if ``by`` may put accounts in it; otherwise refuse, naming it."""
    if not isinstance(unit, OrgUnit):
        raise ValidationError({"unit": _("Đơn vị là bắt buộc.")})
    if not manageable_units(by).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Đơn vị “%(unit)s” nằm ngoài phạm vi quản lý của bạn.") % {"unit": unit.name}})
    return unit


def check_role(*, by, role) -> Role:
    """Return ``role`` as a Role if ``by`` may give it; otherwise refuse, naming it."""
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError({"role": _("Vai trò “%(role)s” không tồn tại.") % {"role": role}}) from None
    if role in CITY_WIDE_ROLES and not manages_whole_city(by):
        raise ValidationError(
            {"role": _("Chỉ quản trị viên cấp thành phố được giao vai trò “%(role)s”.") % {"role": role.label}}
        )
    return role


def check_username(username: str, *, exclude_pk=None) -> str:
    """Return the user name, stripped; refuse an empty one or one already taken (compared case-insensitively)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Tên đăng nhập là bắt buộc.")})
    taken = User._default_manager.filter(username__iexact=username).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "username": _(
                    "Tên đăng nhập “%(username)s” đã có người dùng (không phân biệt chữ hoa, chữ thường): "
                    "hãy chọn tên khác."
                )
                % {"username": username}
            }
        )
    return username


# --- Writes -------------------------------------------------------------------------------------------------------


def _set_role(user, role: Role) -> None:
    """Make ``role`` the user's only role group (their role_version moves with it: accounts.signals)."""
    user.groups.set([Group.objects.get(name=role.value)])


@transaction.atomic
def create_user(
    *,
    by,
    username: str,
    family_name: str,
    given_name: str,
    unit: OrgUnit,
    role: str,
    email: str = "",
    password: str | None = None,
):
    """Create an active account with ``role`` in ``unit``; return it.

    ``family_name`` is the họ ("Nguyễn"), ``given_name`` the tên đệm and tên ("Thu Hà"). Without ``password`` the
    account has no usable password until its owner opens a set-password link (``password_link``).
    """
    if role_of(by) != Role.ADMIN:
        raise PermissionError(_("Chỉ quản trị viên được quản lý tài khoản."))
    errors = {}
    checks = [
        ("username", lambda: check_username(username)),
        ("unit", lambda: check_unit(by=by, unit=unit)),
        ("role", lambda: check_role(by=by, role=role)),
    ]
    values = {}
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if not (family_name or "").strip() or not (given_name or "").strip():
        errors.setdefault("family_name", []).append(_("Họ và tên đều là bắt buộc."))
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Địa chỉ e-mail “%(email)s” không hợp lệ.") % {"email": email})
    user = User(
        username=values.get("username", username),
        last_name=(family_name or "").strip(),
        first_name=(given_name or "").strip(),
        email=email,
        unit=values.get("unit"),
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _set_role(user, values["role"])
    _record(
        by=by,
        user=user,
        action=AccountAction.CREATE,
        detail=f"role={values['role'].value} unit={values['unit'].code} password={'set' if password else 'link'}",
    )
    return user


@transaction.atomic
def change_role(*, by, user, role: str) -> None:
    """Give ``user`` the role ``role`` (their only one); it applies from their next request, second factor included."""
    check_may_manage(by=by, user=user)
    new = check_role(by=by, role=role)
    old = role_of(user)
    if old == new:
        return
    _set_role(user, new)
    _record(by=by, user=user, action=AccountAction.CHANGE_ROLE, detail=f"{old or '-'} -> {new.value}")


@transaction.atomic
def change_unit(*, by, user, unit: OrgUnit) -> None:
    """Move ``user`` to ``unit``; their scope follows from their next request."""
    check_may_manage(by=by, user=user)
    check_unit(by=by, unit=unit)
    if user.unit_id == unit.pk:
        return
    old = user.unit.code if user.unit_id else "-"
    user.unit = unit
    user.save(update_fields=["unit"])
    _record(by=by, user=user, action=AccountAction.CHANGE_UNIT, detail=f"{old} -> {unit.code}")


@transaction.atomic
def deactivate_user(*, by, user) -> None:
    """Deactivate ``user``: they cannot log in, and their open sessions and API tokens end at once."""
    check_may_manage(by=by, user=user)
    if user.pk == by.pk:
        raise ValidationError(_("Bạn không thể tự vô hiệu hóa tài khoản của mình."))
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])  # User.save ends their sessions and tokens
    else:
        end_access(user)  # already inactive: make sure nothing of theirs is left open
    _record(by=by, user=user, action=AccountAction.DEACTIVATE)


@transaction.atomic
def reactivate_user(*, by, user) -> None:
    """Let a deactivated ``user`` log in again (with their old password, or a new set-password link)."""
    check_may_manage(by=by, user=user)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    _record(by=by, user=user, action=AccountAction.REACTIVATE)


@transaction.atomic
def reset_second_factor(*, by, user) -> int:
    """Remove ``user``'s authenticator apps (lost phone) and end their sessions and tokens; return how many apps."""
    from .mfa import reset_devices

    check_may_manage(by=by, user=user)
    count = reset_devices(user=user, by=by.get_username())
    _record(by=by, user=user, action=AccountAction.RESET_MFA, detail=f"devices={count}")
    return count


def password_link(*, by, user, request) -> str:
    """Return an absolute link by which ``user`` sets their own password (valid ``PASSWORD_RESET_TIMEOUT``).

    The link stops working once used, or once the password changes otherwise (Django's reset tokens).
    """
    check_may_manage(by=by, user=user)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_set", kwargs={"uidb64": uidb64, "token": default_token_generator.make_token(user)})
    _record(by=by, user=user, action=AccountAction.PASSWORD_LINK)
    return request.build_absolute_uri(path)
