# KAP Clinic image: one image for the web, worker and beat processes (see docker-compose.yml
# and docs/operations.md). Build: docker build -t kapclinic .

# --- Builder: compile wheels that need headers (psycopg2) into a virtualenv ---------------------
FROM python:3.12-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock

# --- Runtime: shared libraries only, no compiler --------------------------------------------------
FROM python:3.12-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=kapclinic.settings

# libpq5 for psycopg2; pango, harfbuzz-subset and fonts for WeasyPrint (PDF reports).
# fc-cache builds the system font cache now, so the non-root user never rescans the fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpq5 \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
    && fc-cache -f \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user with a fixed uid (10001), so volume ownership stays stable across rebuilds.
RUN groupadd --system --gid 10001 kap \
    && useradd --system --uid 10001 --gid kap --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin kap

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root: the running process can read it but not change it.
COPY . /app

# Static files are collected once, at build time, and served by WhiteNoise. The SECRET_KEY here
# only satisfies the production settings check; it is not kept in the image's environment.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-not-a-real-secret \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/beat /app/var/mail \
    && chown -R kap:kap /app/var

USER 10001:10001

EXPOSE 8000

# Any HTTP answer below 500 from gunicorn counts as healthy. The Host header is the first of
# ALLOWED_HOSTS and X-Forwarded-Proto is https, so Django neither rejects nor redirects the probe.
# The worker and beat containers turn this check off (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client, os; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/', headers={'Host': h, 'X-Forwarded-Proto': 'https'}); raise SystemExit(c.getresponse().status >= 500)"]

CMD ["gunicorn", "kapclinic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
