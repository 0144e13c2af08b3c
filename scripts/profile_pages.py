#!/usr/bin/env python
"""Time the clinician's pages in process against the bench database. A measurement, not a test.

    .venv/bin/python scripts/profile_pages.py [--tree PATH] [-n 50] [--pages chart,screen]
        [--pyinstrument chart]

Signs a seeded prescriber of the first clinic in with the test client (`force_login`,
without touching the user row: the bench database is read-only apart from the session and
audit rows the pages write) and GETs each page `n` times after a warm-up: wall and CPU
milliseconds per request (medians; and the fastest CPU time, the steadiest figure on a busy
machine), and the page's SQL query count. `--tree` runs another checkout's code (e.g.
/work/main) against the same data, so a change can be compared before/after in one sitting;
run both alternately and take medians, since the machine is shared. Uses BENCH_DATABASE_URL
(default kap_bench) and PROFILE_REDIS_URL (default redis db 7) for the cache.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench_setup import BENCH_SETTINGS, sample_records


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--pages", default="")
    parser.add_argument("--email", default="prescriber1.clinic1@scale.example.org")
    parser.add_argument("--dump", default="", help="a folder to write each page's HTML into")
    parser.add_argument("--pyinstrument", default="", help="a page label to profile")
    args = parser.parse_args()
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ.update(
        BENCH_SETTINGS,
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kap_bench"
        ),
        REDIS_URL=os.environ.get("PROFILE_REDIS_URL", "redis://127.0.0.1:6379/7"),
        DJANGO_SETTINGS_MODULE="kapclinic.settings",
        SECRET_KEY="profile-pages-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # The seed's clinicians have no authenticator (the bench enrols its own, a write).
        KAP_REQUIRE_STAFF_MFA="false",
    )
    os.environ.pop("DJANGO_ENV", None)
    import django

    django.setup()
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kapclinic.clinic.models import User

    request_started.disconnect(reset_queries)  # else each request empties the query log
    user_logged_in.disconnect(update_last_login)  # read-only bench: keep the user row as is
    user = User.objects.get(email=args.email)
    full, review, live = sample_records(user)
    pages = {
        "bare": "/bench/bare/",
        "caseload": reverse("clinic:caseload"),
        "caseload2": reverse("clinic:caseload") + "?page=2",
        "chart": reverse("clinic:patient-chart", args=[full.patient_id]),
        "screen": reverse("dosing:session", args=[live.appointment_id]),
        "outcome": reverse("integration:outcomes", args=[full.pk]),
        "review": reverse("intake:review", args=[review.pk]),
        "dashboard": reverse("integration:dashboard"),
        "register": reverse("stock:register"),
    }
    wanted = [p for p in args.pages.split(",") if p] or list(pages)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="kapclinic.clinic.auth_backends.ClinicModelBackend")
    print(f"tree {tree}  n={args.n}  load {os.getloadavg()[0]:.2f}", flush=True)
    for label in wanted:
        path = pages[label]
        for _ in range(3):
            response = client.get(path)
            assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if args.dump:
            html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)
            html = re.sub(rb'<meta name="csrf-token" content="[^"]+"', b"", html)
            Path(args.dump, f"{label}.html").write_bytes(html)
        walls, cpus = [], []
        for _ in range(args.n):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        print(
            f"{label:<10} wall {statistics.median(walls):6.1f} ms  cpu "
            f"{statistics.median(cpus):6.1f} ms (fastest {min(cpus):5.1f})  "
            f"{len(queries):3d} queries  "
            f"{len(response.content):7d} bytes",
            flush=True,
        )
        if label == args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.n):
                client.get(path)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
