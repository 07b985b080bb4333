"""What every page's menu needs to know about the user."""

from . import mfa
from .roles import Role, session_role


def navigation(request) -> dict:
    """Return what the header shows: ``signed_in`` (the whole login done, second factor included: only then the
    menu), ``can_import`` ("Nhập dữ liệu"), ``can_manage_users`` ("Người dùng"), ``can_reorganise`` ("Sắp xếp đơn vị").

    Importers are exactly the accounts that need the second factor (``accounts.mfa``: the import permission, or a
    superuser); that answer and the role are kept in the session with the user's role version (no query per page;
    asking ``perms`` in the template instead cost two permission queries on every page). The pages themselves still
    check the permission or role.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"signed_in": False, "can_import": False, "can_manage_users": False, "can_reorganise": False}
    needs_code = mfa.session_needs_mfa(request)
    signed_in = not needs_code or mfa.is_verified(user)
    return {
        "signed_in": signed_in,
        "can_import": needs_code,
        "can_manage_users": signed_in and session_role(request) == Role.ADMIN,
        "can_reorganise": signed_in and needs_code and session_role(request) == Role.ADMIN,
    }
