"""Sessions read from Redis, with the database copy rewritten only when it matters.

A session holds the login, the sign-in time, allauth's flow state, flash messages and the
text of a clinician's last caseload searches (at most 20, kept here so that a search's URL
carries a token instead of a patient's name; see clinic.selectors.remember_search).
With SESSION_SAVE_EVERY_REQUEST the stock engines wrote the database on every page
(BEGIN, UPDATE, COMMIT) only to push the idle expiry forward. Here every request still pushes
it forward, by refreshing the Redis entry's time to live (exact to the second), and the
database row is rewritten when the data changes or once its expiry has fallen a minute
behind. A row that lags can only end a session sooner if Redis loses its copy, never later.

Ending a session (sign-out everywhere, deactivation) deletes both copies, as Django's
`cached_db` engine does; refreshing the time to live never recreates a deleted entry.
"""

import time

from django.contrib.sessions.backends import cached_db

DB_WRITTEN_AT = "_kap_db_written_at"
DB_REFRESH_SECONDS = 60


class SessionStore(cached_db.SessionStore):
    def save(self, must_create=False):
        written_at = self._session.get(DB_WRITTEN_AT, 0)
        if must_create or self.modified or time.time() - written_at >= DB_REFRESH_SECONDS:
            self[DB_WRITTEN_AT] = time.time()
            return super().save(must_create=must_create)
        # Unchanged and recently written: only the idle expiry moves. `touch` refreshes an
        # existing entry and is a no-op for one deleted meanwhile (ended elsewhere).
        self._cache.touch(self.cache_key, self.get_expiry_age())
        return None
