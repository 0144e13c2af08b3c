"""Every page of the URL sweep, opened with Redis stopped: none errors and none hangs.

The same table (tests/security/test_url_sweep.py) and signed-in people, the cache, the
session store and the Celery broker on a Redis of the test's own (tests/own_redis.py), stopped
after everyone has signed in. Each page is opened once with GET, and each form sent once with
the table's data, by the first role the table lets reach it; what was measured is written up in
docs/operations.md.
"""

import time

import pytest
from django.urls import reverse

from tests.own_redis import celery_broker

from .test_url_sweep import ACCESS, GET, POST, REACH, URLS, expected, verdict

pytestmark = pytest.mark.django_db

# A page that takes longer than this with Redis down is waiting on it (REDIS_TIMEOUT_SECONDS).
SLOW = 2.0


def reachable(scene, clients, method):
    """(name, url, role, data) of each URL serving `method`, with the first role reaching it."""
    for name in sorted(URLS):
        page = ACCESS[name]
        reachers = [role for role in clients if role in page.allowed]
        if method in page.methods and reachers:
            url = reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None)
            yield name, url, reachers[0], page.data(scene) if page.data else {}


def walk(own_redis, clients, requests, method):
    """Each request with Redis stopped: what went wrong, and the slowest five."""
    failures, timings = [], []
    with celery_broker(own_redis.url):
        own_redis.stop()
        for name, url, role, data in requests:
            client = clients[role]
            started = time.monotonic()
            try:
                response = client.post(url, data) if method == POST else client.get(url)
            except Exception as error:  # a 500
                failures.append(f"{method} {name} as {role}: raised {error!r}")
                continue
            took = time.monotonic() - started
            timings.append((round(took, 2), name))
            if (problem := verdict(expected(ACCESS[name], role, method), response)) is not None:
                failures.append(f"{method} {name} as {role}: expected {REACH}, got {problem}")
            elif took > SLOW:
                failures.append(f"{method} {name} as {role}: {took:.1f} s with Redis down")
    return failures, sorted(timings, reverse=True)[:5]


def test_every_page_answers_promptly_with_redis_down(own_redis, scene, clients):
    pages = list(reachable(scene, clients, GET))
    for _, url, role, _ in pages:  # drawn once with Redis up: the timings are Redis's part
        clients[role].get(url)
    failures, slowest = walk(own_redis, clients, pages, GET)
    print(f"\n{len(pages)} pages with Redis down; slowest: {slowest}")
    assert not failures, "\n  ".join(failures)


def test_every_form_is_answered_promptly_with_redis_down(own_redis, scene, clients):
    forms = list(reachable(scene, clients, POST))
    failures, slowest = walk(own_redis, clients, forms, POST)
    print(f"\n{len(forms)} forms sent with Redis down; slowest: {slowest}")
    assert not failures, "\n  ".join(failures)
