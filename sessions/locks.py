"""Shared by the workflows: lock the session row before changing its record."""

from .models import DosingError, DosingSession


def locked(session):
    """Reload the caller's session under a row lock, so it sees (and keeps) the latest state."""
    session.refresh_from_db(
        from_queryset=DosingSession.objects.select_for_update(of=("self",), no_key=True)
    )
    return session


def locked_open(session, closed=None):
    """The session under its lock, refused once it is no longer open (with `closed`, the
    caller's own words for why; by default, that an addendum is the way to add to it)."""
    session = locked(session)
    if not session.is_open:
        raise DosingError(
            closed
            or f"This session is {session.get_status_display().lower()}: add an addendum instead."
        )
    return session


def locked_unsigned(session):
    """The session under its lock, refused once signed (after that, corrections are addenda)."""
    session = locked(session)
    if session.is_signed:
        raise DosingError("This session is signed: add an addendum instead.")
    return session
