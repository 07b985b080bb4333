"""Ending a user's access at once: their browser sessions and their API tokens (django-rest-knox).

Called when an account is deactivated, its second factor is reset, or its password changes: an open session
or a token handed to a script must not outlive any of them (until now a token lived up to its 10 hours).
"""

from django.utils import timezone


def end_sessions(user, *, keep: str | None = None) -> int:
    """Delete every stored session of ``user`` but the one whose key is ``keep``; return how many.

    Sessions are in the database and carry the user id only inside their signed data, so the unexpired ones
    are decoded (a few thousand at most: they expire after 12 hours).
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    theirs = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key != keep and str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            theirs.append(session.pk)
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)


def end_tokens(user) -> int:
    """Delete every API token of ``user``; return how many."""
    from knox.models import AuthToken

    count, _ = AuthToken.objects.filter(user=user).delete()
    return count


def end_access(user, *, keep_session: str | None = None) -> None:
    """End every session (but ``keep_session``) and every API token of ``user``."""
    end_sessions(user, keep=keep_session)
    end_tokens(user)
