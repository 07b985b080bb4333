"""Keep ``User.role_version`` in step with what a user may do, whoever changes it (the users pages, the Django
admin, a shell): a change of role groups, of permissions (the user's or their groups'), bumps the version of every
user concerned, so their open sessions decide again whether they need the second factor (accounts.mfa)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F
from django.db.models.signals import m2m_changed


def bump_role_version(user_ids) -> None:
    """Add one to the role version of the users with ``user_ids`` (a list or a subquery of ids)."""
    get_user_model()._default_manager.filter(pk__in=user_ids).update(role_version=F("role_version") + 1)


def _user_side(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups or permissions changed, from the user's side or the group's (permission's)."""
    if not reverse:  # user.groups.add(...), user.user_permissions.set(...)
        if action in {"post_add", "post_remove", "post_clear"}:
            bump_role_version([instance.pk])
            instance.role_version += 1  # the instance in memory must not write the old number back
        return
    if action in {"post_add", "post_remove"} and pk_set:  # group.user_set.add(...)
        bump_role_version(list(pk_set))
    elif action == "pre_clear":  # group.user_set.clear(): its members, read before they go
        fields = sender._meta.get_fields()
        column = next(f.attname for f in fields if getattr(f, "related_model", None) is type(instance))
        bump_role_version(sender.objects.filter(**{column: instance.pk}).values("user_id"))


def _group_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed: every member's role version moves."""
    if action not in {"post_add", "post_remove", "pre_clear"} or (action == "pre_clear" and reverse):
        return
    if not reverse:
        bump_role_version(get_user_model()._default_manager.filter(groups=instance).values("pk"))
    elif pk_set:  # permission.group_set.add(...)
        bump_role_version(get_user_model()._default_manager.filter(groups__in=pk_set).values("pk"))


def connect() -> None:
    User = get_user_model()
    m2m_changed.connect(_user_side, sender=User.groups.through, dispatch_uid="accounts.role_version.groups")
    m2m_changed.connect(
        _user_side, sender=User.user_permissions.through, dispatch_uid="accounts.role_version.permissions"
    )
    m2m_changed.connect(
        _group_permissions, sender=Group.permissions.through, dispatch_uid="accounts.role_version.group_permissions"
    )
