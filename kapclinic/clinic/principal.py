"""The signed-in member of staff, read once and kept in Redis until something about them changes.

Every page needs the login, its Provider with clinic, and whether a TOTP authenticator is
enrolled (auth_backends.py reads them in one query). Building those objects from SQL on every
request was about three quarters of the bare view's cost, so the rows are kept in the cache as
plain values (the "principal"), read at sign-in and whenever they changed, and rebuilt
without SQL while they are still right.

Still right means: the principal carries the stamp of the user's version token and of the
everyone token as they were *before* its rows were read, and a request uses it only while both
tokens are unchanged. Saving or deleting the User (password, activation, flags, last login),
their Provider (role, clinic, active), a TOTP or recovery-code Authenticator, or a Patient
record of the login gives the user a new token at once and again after the transaction
commits (a request that read the old rows meanwhile stored them under the old token, which is
no longer asked for); saving or deleting a Clinic renews everyone's token. So revoking MFA,
a role, a clinic or the login takes effect on the next request. What no signal sees (SQL typed
by hand, a queryset `update()` of these tables, which no code here does) lasts at most
PRINCIPAL_SECONDS.

The session check is kept: the principal holds the login's session hash (an HMAC of the
password hash, as the session itself holds; never the password hash), and Django compares it
with the session's on every request. While Redis is unreachable nothing is cached and each
request reads the rows as before; a token that could not be renewed then is deleted when
Redis returns (redis_outage.py), which invalidates what was kept.

Only with Redis (production, CI): the demo's per-process memory cache could not be told of a
change made in another process. Patients' logins are not kept (their Patient row is health
information, and patient pages are not where the time goes): they read the rows each time.
"""

import contextvars
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import salted_hmac

# The longest a change no signal saw (hand-written SQL) can go unnoticed.
PRINCIPAL_SECONDS = 60
TOKEN_SECONDS = 24 * 3600  # longer than a principal lives; a lost token only forces a re-read
EVERYONE = "principal-token:everyone"
DB_ALIAS = "default"


def enabled():
    return bool(settings.REDIS_URL)


def _principal_key(user_id):
    return f"principal:{user_id}"


def _token_key(user_id):
    return f"principal-token:{user_id}"


def _fields(model, leave_out=()):
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in leave_out)


_SHAPE = None


def _shape():
    """Field names of the kept rows, and a digest that changes with them and with SECRET_KEY
    (the kept session hash is made with it), so a deployment never reads another's principal."""
    global _SHAPE
    if _SHAPE is None:
        from .models import Clinic, Provider, User

        fields = (_fields(User, ("password",)), _fields(Provider), _fields(Clinic))
        digest = salted_hmac("kapclinic.clinic.principal", repr(fields)).hexdigest()[:16]
        _SHAPE = (*fields, digest)
    return _SHAPE


def keys(user_id):
    """What `load` reads for a login: its principal, its token and everyone's token."""
    return [_principal_key(user_id), _token_key(user_id), EVERYONE]


# What the session read fetched of `keys(user_id)` in its own round trip (session_store.py),
# taken by the `load` that follows it in the same request, and by nothing later.
_fetched_with_session = contextvars.ContextVar("kap_principal_fetched", default=None)


def fetched_with_session(user_id, found):
    """Hand `load` what was read with the session (None: nothing was)."""
    _fetched_with_session.set(None if user_id is None else (str(user_id), found))


def _take_fetched(user_id):
    fetched = _fetched_with_session.get()
    if fetched is None:
        return None
    _fetched_with_session.set(None)
    return fetched[1] if fetched[0] == str(user_id) else None


def forget_fetched(**kwargs):
    """At the end of every request: nothing read for one request serves another."""
    _fetched_with_session.set(None)


def load(user_id, read_rows):
    """The user of this id, built from the kept principal while it is current, else from
    `read_rows(user_id)` (the backend's one query; None for a login that may not sign in)."""
    if not enabled():
        return read_rows(user_id)
    user_fields, provider_fields, clinic_fields, digest = _shape()
    principal_key, token_key = _principal_key(user_id), _token_key(user_id)
    found = _take_fetched(user_id)
    if found is None:
        found = cache.get_many([principal_key, token_key, EVERYONE])
    tokens = (found.get(token_key), found.get(EVERYONE), digest)
    kept = found.get(principal_key)
    if kept is not None and kept["stamp"] == tokens and None not in tokens:
        if kept["kind"] == "staff":
            return _build(kept, user_fields, provider_fields, clinic_fields)
        return read_rows(user_id)
    # Take the tokens before reading the rows: a change committed after this read renews
    # them, so what is stored below can only ever be stale under a token nobody asks for.
    tokens = (tokens[0] or _token(token_key), tokens[1] or _token(EVERYONE), digest)
    user = read_rows(user_id)
    if user is not None and None not in tokens:
        cache.set(principal_key, _keep(user, tokens, user_fields), PRINCIPAL_SECONDS)
    return user


def _token(key):
    """The key's current token, made afresh (never reused) when it has none; None while Redis
    is unreachable, which keeps nothing."""
    token = secrets.token_hex(8)
    if cache.add(key, token, TOKEN_SECONDS):
        return token
    return cache.get(key)


def _keep(user, stamp, user_fields):
    patient = getattr(user, "patient", None)
    if patient is not None:
        return {"stamp": stamp, "kind": "patient"}
    provider = getattr(user, "provider", None)
    return {
        "stamp": stamp,
        "kind": "staff",
        "user": tuple(getattr(user, name) for name in user_fields),
        "provider": None if provider is None else _values(provider),
        "clinic": None if provider is None else _values(provider.clinic),
        "has_mfa": bool(user._kap_has_mfa),
        "session_hash": user.get_session_auth_hash(),
    }


def _values(instance):
    return tuple(getattr(instance, name) for name in _fields(type(instance)))


def _build(kept, user_fields, provider_fields, clinic_fields):
    from .models import Clinic, Provider, User

    user = User.from_db(DB_ALIAS, user_fields, kept["user"])  # the password stays unread
    provider = None
    if kept["provider"] is not None:
        provider = Provider.from_db(DB_ALIAS, provider_fields, kept["provider"])
        provider._state.fields_cache["clinic"] = Clinic.from_db(
            DB_ALIAS, clinic_fields, kept["clinic"]
        )
        provider._state.fields_cache["user"] = user
    # The reverse one-to-one caches, as select_related leaves them: no query for user.provider.
    user._state.fields_cache["provider"] = provider
    user._state.fields_cache["patient"] = None
    user._kap_provider = provider if provider is not None and provider.active else None
    user._kap_patient = None
    user._kap_has_mfa = kept["has_mfa"]
    user._kap_session_hash = kept["session_hash"]
    return user


# --- What renews a token -----------------------------------------------------------------------


def _renew(keys):
    cache.set_many({key: secrets.token_hex(8) for key in keys}, TOKEN_SECONDS)


def renew(*keys):
    """New tokens now (this transaction's own later requests, tests) and after commit (a
    request that read the rows before the commit stored them under the token renewed now)."""
    if not enabled():
        return
    _renew(keys)
    transaction.on_commit(lambda: _renew(keys), robust=True)


def user_changed(user_id):
    if user_id is not None:
        renew(_token_key(user_id))


def everyone_changed():
    renew(EVERYONE)


def on_user_saved(sender, instance, **kwargs):
    user_changed(instance.pk)


def on_profile_saved(sender, instance, **kwargs):
    """Provider, Patient, Authenticator: the login they belong to changed. (A login that
    loses its Patient record needs nothing: patients' principals are never kept.)"""
    user_changed(instance.user_id)
    previous = getattr(instance, "_kap_previous_user_id", None)
    if previous is not None and previous != instance.user_id:
        user_changed(previous)


def before_provider_saved(sender, instance, raw=False, **kwargs):
    """A Provider moved to another login: the login it leaves changes too."""
    if instance.pk is None or raw or not enabled():
        return
    instance._kap_previous_user_id = (
        sender._default_manager.filter(pk=instance.pk).values_list("user_id", flat=True).first()
    )


def on_clinic_saved(sender, instance, **kwargs):
    everyone_changed()


def connect():
    from allauth.mfa.models import Authenticator
    from django.core.signals import request_finished
    from django.db.models.signals import post_delete, post_save, pre_save

    from .models import Clinic, Patient, Provider, User

    for signal in (post_save, post_delete):
        uid = "principal" if signal is post_save else "principal-deleted"
        signal.connect(on_user_saved, sender=User, dispatch_uid=f"{uid}-user")
        signal.connect(on_clinic_saved, sender=Clinic, dispatch_uid=f"{uid}-clinic")
        for model in (Provider, Patient, Authenticator):
            signal.connect(on_profile_saved, sender=model, dispatch_uid=f"{uid}-{model.__name__}")
    pre_save.connect(before_provider_saved, sender=Provider, dispatch_uid="principal-provider")
    request_finished.connect(forget_fetched, dispatch_uid="principal-forget-fetched")
