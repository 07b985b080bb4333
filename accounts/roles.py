"""The product's roles, as Django groups, and what each may do.

- admin: everything (users, programmes, imports);
- hr (cán bộ tổ chức): reads and writes persons and training of their unit's subtree;
- leader (lãnh đạo): reads dashboards, lists and exports of their unit's subtree, changes nothing;
- viewer (xem toàn thành phố): reads everything in the city, changes nothing.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị")
    HR = "hr", _("Cán bộ tổ chức")
    LEADER = "leader", _("Lãnh đạo")
    VIEWER = "viewer", _("Xem toàn thành phố")


# Group name -> model permissions (app_label.codename) granted to it.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["*"],
    Role.HR: [
        f"{app}.{action}_{model}"
        for app, model in [
            ("personnel", "person"),
            ("personnel", "qualification"),
            ("personnel", "appointment"),
            ("training", "course"),
            ("training", "trainingrecord"),
        ]
        for action in ("view", "add", "change", "delete")
    ]
    + ["personnel.view_orgunit", "training.view_coursetype", "targets.view_programme", "targets.view_indicator"],
    Role.LEADER: [
        "personnel.view_orgunit",
        "personnel.view_person",
        "personnel.view_qualification",
        "personnel.view_appointment",
        "training.view_course",
        "training.view_coursetype",
        "training.view_trainingrecord",
        "targets.view_programme",
        "targets.view_indicator",
    ],
}
ROLE_PERMISSIONS[Role.VIEWER] = list(ROLE_PERMISSIONS[Role.LEADER])


# Where a request's user carries the role its session noted (``note_session_role``), so that role checks cost no query.
ROLE_ATTRIBUTE = "_session_role"


def role_of(user) -> str | None:
    """Return the user's role: admin for superusers, else the first role group they belong to.

    A request's user carries the role its session noted (``note_session_role``): no query then.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    noted = getattr(user, ROLE_ATTRIBUTE, None)
    if noted is not None:
        return Role(noted) if noted else None
    return role_from_groups(user)


def role_from_groups(user) -> str | None:
    """Return the role of a non-superuser read from their groups (one query unless prefetched)."""
    names = {group.name for group in user.groups.all()}
    for role in (Role.ADMIN, Role.HR, Role.LEADER, Role.VIEWER):
        if role.value in names:
            return role
    return None


def can_write(user) -> bool:
    """Return whether the user may change personnel and training records (admin or HR)."""
    return role_of(user) in (Role.ADMIN, Role.HR)


def sync_role_groups(group_model, permission_model) -> None:
    """Create the role groups and give each its permissions (models passed in, so migrations can call it)."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        if codes == ["*"]:
            group.permissions.set(permission_model.objects.all())
            continue
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.extend(permission_model.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


# Session keys: the user's role as last read, and the ``role_version`` it was read at.
SESSION_ROLE = "_role"
SESSION_ROLE_VERSION = "_role_version"


def session_role(request) -> str:
    """Return the role of the request's logged-in user ("" for none) without a query on most requests.

    The role is kept in the session with the user's ``role_version`` (read with the user) and read again only when
    that moved, so a role given or taken applies from the user's next request.
    """
    user = request.user
    session = request.session
    if session.get(SESSION_ROLE_VERSION) != user.role_version or SESSION_ROLE not in session:
        remember_role(session, user)
    return session[SESSION_ROLE]


def remember_role(session, user) -> None:
    """Note ``user``'s role in their ``session`` (at login, and when their role version moved)."""
    role = Role.ADMIN if user.is_superuser else role_from_groups(user)
    session[SESSION_ROLE] = str(role or "")
    session[SESSION_ROLE_VERSION] = user.role_version


def note_session_role(request) -> None:
    """Let the request's logged-in user carry the role kept in their session (``session_role``).

    Screens, scoping and menus ask the role several times per request: from then on they read it from the user in
    memory. The session's note follows the user's ``role_version`` (read with the user), so a role given or taken
    applies from the user's next request.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.is_superuser:
        setattr(user, ROLE_ATTRIBUTE, session_role(request))
