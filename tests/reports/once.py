"""Records a report module builds once and every test of it reads."""

from contextlib import contextmanager
from types import SimpleNamespace

from django.db import transaction
from django.test import override_settings

from ..conftest import _clinic_world

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@contextmanager
def built_once(django_db_blocker, **settings):
    """Two clinics, for a module-scoped fixture to build on: the database open to it, mail kept
    in memory (and any other `settings`), all in one transaction rolled back after the module.
    Each test runs in a savepoint inside it, so what one test writes is gone before the next."""
    with (
        django_db_blocker.unblock(),
        override_settings(EMAIL_BACKEND=LOCMEM, **settings),
        transaction.atomic(),
    ):
        yield SimpleNamespace(one=_clinic_world("North clinic"), two=_clinic_world("South"))
        transaction.set_rollback(True)
