"""Sessions read from Redis, with the database copy rewritten only when it matters.

A session holds the login, the sign-in time, allauth's flow state, flash messages and the
text of a clinician's last caseload searches (at most 20, kept here so that a search's URL
carries a token instead of a patient's name; see clinic.selectors.remember_search).
With SESSION_SAVE_EVERY_REQUEST the stock engines wrote the database on every page
(BEGIN, UPDATE, COMMIT) only to push the idle expiry forward. Here every request still pushes
it forward, by refreshing the Redis entry's time to live as it reads it (GETEX: one round
trip, exact to the second), and the database row is rewritten when the data changes or once
its expiry has fallen a minute behind. A row that lags can only end a session sooner if Redis
loses its copy, never later.

Ending a session (sign-out everywhere, deactivation) deletes both copies, as Django's
`cached_db` engine does; refreshing the time to live never recreates a deleted entry.

PostgreSQL is the session's home; Redis only speeds it up. While Redis is unreachable the cache
answers as an empty one (kapclinic/clinic/redis_outage.py), so each request reads the database
row and writes it back. A cached copy older than a minute is checked against its row before
use, so a session ended while Redis was away cannot outlive the minute after it returns.
"""

import time

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from . import principal
from .redis_outage import REDIS

DB_WRITTEN_AT = "_kap_db_written_at"
DB_REFRESH_SECONDS = 60

# The login each session named when this process last read it: the next read of that session
# fetches the login's principal in the same round trip. Only a guess, checked against the
# session's own data before use; a wrong or missing one costs the second round trip it saves.
_LOGIN_OF_SESSION = {}
_LOGINS_REMEMBERED = 10_000


class SessionStore(cached_db.SessionStore):
    def load(self):
        data = self._read_and_refresh()
        if data is not None:
            if time.time() - data.get(DB_WRITTEN_AT, 0) < DB_REFRESH_SECONDS:
                return data
            # Older than the row's rhythm: the session may have ended while Redis was away.
            if not self.exists_in_db():
                self._cache.delete(self.cache_key)
                self._session_key = None
                return {}
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def _read_and_refresh(self):
        """The cached copy, its idle expiry pushed forward by the same round trip (GETEX), so
        an unchanged session needs no second one at the end of the request; the same round
        trip reads the principal of the login the session last named (principal.py)."""
        get_and_touch_with = getattr(self._cache, "get_and_touch_with", None)
        if get_and_touch_with is None:
            principal.fetched_with_session(None, {})
            return self._cache.get(self.cache_key)
        guess = _LOGIN_OF_SESSION.get(self.session_key)
        data, found = get_and_touch_with(
            self.cache_key,
            self.get_session_cookie_age(),
            principal.keys(guess) if guess is not None else (),
        )
        login = None if data is None else data.get(SESSION_KEY)
        principal.fetched_with_session(login if guess == login else None, found)
        if login is None:
            _LOGIN_OF_SESSION.pop(self.session_key, None)
        elif login != guess:
            if len(_LOGIN_OF_SESSION) >= _LOGINS_REMEMBERED:
                _LOGIN_OF_SESSION.clear()
            _LOGIN_OF_SESSION[self.session_key] = login
        # A session with an expiry of its own (set_expiry) is refreshed by `save` instead.
        self._refreshed = data is not None and not data.get("_session_expiry")
        return data

    def exists_in_db(self):
        from django.utils import timezone

        return self.model.objects.filter(
            session_key=self.session_key, expire_date__gt=timezone.now()
        ).exists()

    def save(self, must_create=False):
        written_at = self._session.get(DB_WRITTEN_AT, 0)
        stale = time.time() - written_at >= DB_REFRESH_SECONDS
        # While Redis is down its time to live cannot move, so the row must.
        if must_create or self.modified or stale or REDIS.is_down:
            self[DB_WRITTEN_AT] = time.time()
            return super().save(must_create=must_create)
        # Unchanged and recently written: only the idle expiry moves, which reading it did
        # already; else `touch` refreshes an existing entry and is a no-op for one deleted
        # meanwhile (ended elsewhere).
        if not getattr(self, "_refreshed", False):
            self._cache.touch(self.cache_key, self.get_expiry_age())
        return None
