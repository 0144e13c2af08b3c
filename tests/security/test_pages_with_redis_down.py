"""Every page of the URL sweep, opened with Redis stopped: none errors and none hangs.

The same table (tests/security/test_url_sweep.py) and signed-in people, the cache, the
session store and the Celery broker on a Redis of the test's own (tests/own_redis.py), stopped
after everyone has signed in. Each page is opened once with GET by the first role the table
lets reach it; what was measured is written up in docs/operations.md.
"""

import time

import pytest
from django.urls import reverse

from tests.own_redis import celery_broker

from .test_url_sweep import ACCESS, GET, REACH, URLS, expected, verdict

pytestmark = pytest.mark.django_db

# A page that takes longer than this with Redis down is waiting on it (REDIS_TIMEOUT_SECONDS).
SLOW = 2.0


def test_every_page_answers_promptly_with_redis_down(own_redis, scene, clients):
    pages = []
    for name in sorted(URLS):
        page = ACCESS[name]
        reachers = [role for role in clients if role in page.allowed]
        if GET in page.methods and reachers:
            url = reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None)
            pages.append((name, url, reachers[0]))
    for _, url, role in pages:  # drawn once with Redis up: the timings are Redis's part
        clients[role].get(url)

    failures, timings = [], []
    with celery_broker(own_redis.url):
        own_redis.stop()
        for name, url, role in pages:
            started = time.monotonic()
            try:
                response = clients[role].get(url)
            except Exception as error:  # a 500
                failures.append(f"{name} as {role}: raised {error!r}")
                continue
            took = time.monotonic() - started
            timings.append((took, name))
            if (problem := verdict(expected(ACCESS[name], role, GET), response)) is not None:
                failures.append(f"{name} as {role}: expected {REACH}, got {problem}")
            elif took > SLOW:
                failures.append(f"{name} as {role}: {took:.1f} s with Redis down")
    timings.sort(reverse=True)
    print(f"\n{len(pages)} pages with Redis down; slowest: {timings[:5]}")
    assert not failures, "\n  ".join(failures)
