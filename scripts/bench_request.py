#!/usr/bin/env python
"""Time one page per request in process, against the bench database. A measurement, not a test.

    .venv/bin/python scripts/bench_request.py [/bench/bare/ /caseload/ ...] [-n 300] [--profile]

With the settings the bench's server runs (production, DEBUG off, KAP_BENCH, Redis sessions in
BENCH_REDIS_URL), signs the bench prescriber in once through the configured backend and then
asks for each path N times with Django's test client: CPU and wall time per request (median
of 5 rounds), the SQL queries of one request, and with --profile a cProfile of the first path.
Complements `make bench` (wrk over gunicorn): in process the machine's other jobs disturb the
figures less, since CPU time is counted per process.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["/bench/bare/"])
    parser.add_argument("-n", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--calls", action="store_true", help="Python calls a request (cProfile)")
    parser.add_argument("--dump", default="", help="a folder to write each page's HTML into")
    args = parser.parse_args()

    import bench_pages

    database_url = os.environ.get("BENCH_DATABASE_URL", bench_pages.DEFAULT_URL)
    os.environ.update(bench_pages.server_env(database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kapclinic.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages' manifest
    user, _password, _secret = bench_pages.bench_clinician()
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    client.force_login(user, backend="kapclinic.clinic.auth_backends.ClinicModelBackend")
    for path in args.paths:
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        query_count = len(queries)  # now: the next request empties the log
        if args.dump:
            dump(Path(args.dump), path, client.get(path).content)
        calls = ""
        if args.calls:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                client.get(path)
            profile.disable()
            calls = f"  {pstats.Stats(profile).total_calls // 20:,} calls"
        cpu, wall = [], []
        for _ in range(args.rounds):
            started_cpu, started = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                client.get(path)
            cpu.append((time.process_time() - started_cpu) / args.n * 1000)
            wall.append((time.perf_counter() - started) / args.n * 1000)
        print(
            f"{path:<40} cpu {statistics.median(cpu):6.2f} ms  wall {statistics.median(wall):6.2f}"
            f" ms  {query_count} queries{calls}  load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            client.get(args.paths[0])
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


def dump(folder, path, html):
    """The page's HTML without its per-request tokens, to compare two versions of the code."""
    import re

    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    html = re.sub(rb'<meta name="csrf-token" content="[^"]+"', b"", html)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (path.strip("/").replace("/", "_").replace("?", "_") or "root")).write_bytes(html)


if __name__ == "__main__":
    main()
