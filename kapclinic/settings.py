"""KAP Clinic settings: one module, every value read from the environment.

Defaults give the embedded demo (SQLite, tasks in process, mail to the console).
Production sets DJANGO_ENV=production, which switches on every transport safeguard.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP


def env_bool(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

# --- Mode ---------------------------------------------------------------------------------------
PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", default=False)

if PRODUCTION and not os.environ.get("SECRET_KEY"):
    raise RuntimeError("SECRET_KEY must be set when DJANGO_ENV=production")
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me-" + "x" * 20)
# Absolute links in emails (reminders, alerts, the demo's invitations) point here. Without it,
# the local server's port: `make demo PORT=8001` serves on 8001 and every link follows.
SITE_URL = os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Applications -------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # exclusion constraints; harmless on the SQLite demo
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # each sign-in recorded, so logout can end every device's session
    "django_htmx",
    "simple_history",  # before/after history of clinical records (issue 9)
    "kapclinic.clinic",
    "kapclinic.measures",
    "kapclinic.audit",
    "kapclinic.stock",
    "kapclinic.rems",
    "kapclinic.reminders",
    "kapclinic.demo",
    "intake",
    "sessions.apps.DosingConfig",
    "integration",
    "kapclinic.reports",
    "kapclinic.billing",
    "kapclinic.calendar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside every layer that can fail after a clinical entry committed (the view, the session
    # save): such a failure answers with what was saved, never a bare 500.
    "kapclinic.clinic.saved_writes.SavedThenFailedMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kapclinic.audit.context.AuditContextMiddleware",
    # Puts request.user on each history row a request writes (who changed the record).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kapclinic.clinic.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kapclinic.clinic.middleware.StaffMFAMiddleware",
    "kapclinic.clinic.middleware.ClinicTimeZoneMiddleware",
    "kapclinic.clinic.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "kapclinic.urls"
WSGI_APPLICATION = "kapclinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kapclinic.clinic.context_processors.kap",
            ],
        },
    },
]
# Every form drawn alike: a tick box's label takes no colon (kapclinic/clinic/form_rendering.py).
FORM_RENDERER = "kapclinic.clinic.form_rendering.ClinicFormRenderer"

# --- Database -----------------------------------------------------------------------------------
# SQLite file for the demo; PostgreSQL (psycopg2) through DATABASE_URL in CI and production.
# Persistent connections: a new PostgreSQL connection per request cost ~10x throughput here.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis is never a single point of failure for the web (kapclinic/clinic/redis_outage.py):
# while it is unreachable the cache answers as an empty one, sessions come from PostgreSQL, and
# new sign-ins are refused (rate limits and TOTP replay checks cannot be made). A request never
# waits longer than REDIS_TIMEOUT_SECONDS on it, and after a failure the cache stops trying for
# KAP_REDIS_RETRY_SECONDS.
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
KAP_REDIS_RETRY_SECONDS = float(os.environ.get("KAP_REDIS_RETRY_SECONDS", "5"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "kapclinic.clinic.redis_outage.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "kap"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Fragments of records that never change (kapclinic/clinic/fragments.py) are keyed by the
# record's version, so a change shows at once; this timeout only hands memory back.
KAP_FRAGMENT_CACHE_SECONDS = int(os.environ.get("KAP_FRAGMENT_CACHE_SECONDS", str(7 * 24 * 3600)))

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Tests run tasks in process unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# With late acknowledgement a worker holds one unstarted message at a time, so a crash
# strands as little as possible (the reminder scan reclaims what it does strand).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queue name: give each deployment (or test run) sharing one Redis database its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Queueing from a web request fails fast when the broker is down (kapclinic/clinic/queue.py
# logs it, shows staff a banner, and the periodic scan sends what is due once it is back).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS}

# --- Reminders ----------------------------------------------------------------------------------
# Due reminders are rows (kapclinic.reminders); this scan plans, reclaims and sends them.
REMINDER_SCAN_MINUTES = int(os.environ.get("REMINDER_SCAN_MINUTES", "5"))
CELERY_BEAT_SCHEDULE = {
    "reminders-scan": {
        "task": "kapclinic.reminders.tasks.scan_due_reminders",
        "schedule": REMINDER_SCAN_MINUTES * 60,
        "options": {"expires": REMINDER_SCAN_MINUTES * 60},
    },
}
# Appointment reminders this many hours before the start (absolute hours, DST-proof).
REMINDER_APPOINTMENT_EARLY_HOURS = int(os.environ.get("REMINDER_APPOINTMENT_EARLY_HOURS", "48"))
REMINDER_APPOINTMENT_SOON_HOURS = int(os.environ.get("REMINDER_APPOINTMENT_SOON_HOURS", "2"))
# Preparation instructions (fasting, companion, no driving) at this clinic time the day before
# a dosing session; the fasting times come from the clinic's protocol.
REMINDER_PRE_SESSION_TIME = os.environ.get("REMINDER_PRE_SESSION_TIME", "17:00")
# Days after the intake started that an unfinished intake is nudged.
REMINDER_INTAKE_DAYS = [int(d) for d in env_list("REMINDER_INTAKE_DAYS", "2,5")]
# A questionnaire reminder this many hours before it is due, and again this long after.
REMINDER_MEASURE_DUE_HOURS = int(os.environ.get("REMINDER_MEASURE_DUE_HOURS", "24"))
REMINDER_MEASURE_OVERDUE_HOURS = int(os.environ.get("REMINDER_MEASURE_OVERDUE_HOURS", "24"))
# Days after an invitation was sent that an unaccepted one is nudged.
REMINDER_INVITATION_DAYS = [int(d) for d in env_list("REMINDER_INVITATION_DAYS", "3")]
# Clinic time of the clinicians' daily digest.
REMINDER_DIGEST_TIME = os.environ.get("REMINDER_DIGEST_TIME", "07:30")
# A reminder found more than this many hours after its due time is skipped, not sent late.
REMINDER_STALE_HOURS = int(os.environ.get("REMINDER_STALE_HOURS", "6"))
# A row still "sending" after this long is reclaimed (its worker died) and flagged.
REMINDER_SENDING_TIMEOUT_SECONDS = int(os.environ.get("REMINDER_SENDING_TIMEOUT_SECONDS", "900"))
# Refused sends: retried with backoff, this many attempts (a down server: waited for).
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "5"))
REMINDER_RETRY_BACKOFF_SECONDS = int(os.environ.get("REMINDER_RETRY_BACKOFF_SECONDS", "60"))
# Rows claimed per transaction by one scan.
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "500"))
# Testing only: milliseconds each send waits, so a crash test can kill a worker mid-batch.
REMINDER_SEND_DELAY_MS = int(os.environ.get("REMINDER_SEND_DELAY_MS", "0"))
# Mail is sent by the worker, never inside a web request. Only the demo (no Redis, so no
# worker) sends a new invitation or reminder in process, through eager Celery.
REMINDERS_SEND_IN_PROCESS = env_bool(
    "REMINDERS_SEND_IN_PROCESS", default=not REDIS_URL and not PRODUCTION
)

# --- Record history (django-simple-history) ---------------------------------------------------
# Clinical records change through their services, never by reverting an old version in the
# admin, which would skip the rules (signing, dose ranges) and the audit trail.
SIMPLE_HISTORY_REVERT_DISABLED = True
# A clinician's written reason (an override, a dose outside the range) is kept whole.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "clinic.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, loading the user's clinic profile with the login.
    "kapclinic.clinic.auth_backends.ClinicModelBackend",
    "kapclinic.clinic.auth_backends.ClinicAuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: email login, no public sign-up (patients are invited, staff created by admins).
ACCOUNT_ADAPTER = "kapclinic.clinic.adapters.ClinicAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # other sessions end (kapclinic/clinic/signin.py)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth marks each accepted TOTP code as used in the shared cache (Redis) for its whole
# validity window, so a code seen over someone's shoulder cannot be replayed. No tolerance
# beyond the current 30-second step.
MFA_TOTP_TOLERANCE = 0
# Sessions are recorded at sign-in only (kapclinic/clinic/signin.py); tracking each request
# would cost a database write per page.
USERSESSIONS_TRACK_ACTIVITY = False
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "KAP Clinic")

# Staff must enrol a TOTP authenticator before opening any patient record. Only `make demo`
# turns this off, and every page then carries a visible banner saying so.
KAP_REQUIRE_STAFF_MFA = env_bool("KAP_REQUIRE_STAFF_MFA", default=True)

# Break-glass: a clinician of another clinic may open a patient's chart read-only in an
# emergency, for this many minutes, after giving a reason at least this long.
KAP_EMERGENCY_ACCESS_MINUTES = int(os.environ.get("KAP_EMERGENCY_ACCESS_MINUTES", "60"))
KAP_EMERGENCY_REASON_MIN_LENGTH = int(os.environ.get("KAP_EMERGENCY_REASON_MIN_LENGTH", "20"))

# `make bench` only: mounts one bare view (/bench/bare/), the ceiling the pages are held to.
KAP_BENCH = env_bool("KAP_BENCH")

# Invitation links (a patient's; a new member of staff's, to choose their first password) work
# this many days, once; the clinic can send a new one.
KAP_INVITATION_DAYS = int(os.environ.get("KAP_INVITATION_DAYS", "7"))
KAP_STAFF_INVITATION_DAYS = int(os.environ.get("KAP_STAFF_INVITATION_DAYS", "3"))

# Check-in opens this many hours before a session, never before its day (clinic time).
KAP_CHECK_IN_OPENS_HOURS = int(os.environ.get("KAP_CHECK_IN_OPENS_HOURS", "24"))

# Clinical times may not be later than now, give or take this much device clock skew.
KAP_CLOCK_SKEW_MINUTES = int(os.environ.get("KAP_CLOCK_SKEW_MINUTES", "2"))

# --- Reports ------------------------------------------------------------------------------------
# Paper size of PDF reports: "A4" (default) or "Letter" for US clinics. One setting for every
# clinic until the clinic model carries its own choice.
REPORT_PAGE_SIZE = os.environ.get("REPORT_PAGE_SIZE", "A4")
# WeasyPrint runs in a child process that is killed past these limits (kapclinic/reports/
# sandbox.py): a hostile stylesheet or a huge note costs one failed report, never a web worker.
# The memory limit is what the child may allocate on top of the process it is forked from.
REPORT_RENDER_TIMEOUT_SECONDS = float(os.environ.get("REPORT_RENDER_TIMEOUT_SECONDS", "20"))
REPORT_RENDER_MEMORY_MB = int(os.environ.get("REPORT_RENDER_MEMORY_MB", "1024"))

# --- Sessions and cookies -----------------------------------------------------------------------
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# However active, a session ends this long after sign-in (SessionLifetimeMiddleware).
SESSION_ABSOLUTE_HOURS = float(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
SESSION_SAVE_EVERY_REQUEST = True  # the cookie age then measures idleness
# With Redis (production, CI): sessions read from Redis and the database row rewritten only when
# the data changes or once a minute (kapclinic/clinic/session_store.py). Without Redis (the
# demo's per-process memory cache) a cached copy could outlive a sign-out in another process,
# so the database alone holds them.
if REDIS_URL:
    SESSION_ENGINE = "kapclinic.clinic.session_store"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Audit rows record REMOTE_ADDR; behind your own reverse proxy, trust its X-Forwarded-For.
AUDIT_TRUST_X_FORWARDED_FOR = env_bool("AUDIT_TRUST_X_FORWARDED_FOR")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production WhiteNoise serves straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Seconds an SMTP server may stall a send (well below REMINDER_SENDING_TIMEOUT_SECONDS).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# The same for the only mail a page sends (allauth's password reset).
KAP_WEB_EMAIL_TIMEOUT_SECONDS = float(os.environ.get("KAP_WEB_EMAIL_TIMEOUT_SECONDS", "3"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "KAP Clinic <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},  # not each layout step
}
