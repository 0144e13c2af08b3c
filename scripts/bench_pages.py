#!/usr/bin/env python
"""Benchmark the clinician's main pages at clinic-network scale. A measurement, not a test.

    make bench        (or: .venv/bin/python scripts/bench_pages.py [--patients 10000]
                       [--seconds 15] [--connections 16] [--note "..."] [--pages bare,...])

1. Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/kap_bench): creates and
   migrates it when missing, seeds it with `seed_scale` once, and reuses it afterwards.
2. Serves the app with gunicorn (2 workers) on 127.0.0.1 with production settings (DEBUG off,
   manifest static files, secure cookies) except the HTTPS redirect, plus KAP_BENCH=true, which
   mounts one bare view (`/bench/bare/`, signed-in only) as the app's ceiling; and, with the same
   gunicorn settings, a hello-world Django view with one middleware (scripts/bench_hello.py) as
   Django's own ceiling on this machine.
3. Signs a prescriber in for real (bench_signin.py): password, then a TOTP code from their
   enrolled authenticator, through allauth's own pages. Every request below carries that
   session. The bench has its own Redis database (BENCH_REDIS_URL, default db 13: never the
   tests' db 15), one secret key and one password kept in var/bench/ (so a second process,
   e.g. a profiler, can use the same session instead of wiping it).
4. For each page: wrk (Debian's `wrk`) with 16 connections for 15 s on loopback; requests/s,
   p50 and p95, the ratio to the bare view's and to hello-world's throughput, the page's SQL query
   count (one request in process, same session, same database), and the load average before and
   after. Then the course summary PDF's time.
5. Prints the table and writes it to docs/performance.md.
"""

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from bench_setup import BENCH_SETTINGS, ROOT, sample_records
from bench_signin import caseload_search, sign_in

sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kap_bench"
# A second worktree benchmarking the same database sets its own BENCH_EMAIL (and var/bench/).
BENCH_EMAIL = os.environ.get("BENCH_EMAIL", "bench.prescriber@scale.example.org")
P95_TARGET_MS, RATIO_TARGET, BARE_TARGET = 150, 0.40, 0.30
STATE = ROOT / "var" / "bench"
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d,'
    .. ' "non_2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def server_env(database_url):
    """Production settings, minus the HTTPS redirect: the benchmark speaks plain HTTP."""
    env = dict(os.environ)
    env.update(
        BENCH_SETTINGS,
        DATABASE_URL=database_url,
        DJANGO_ENV="production",
        SECRET_KEY=os.environ.get("SECRET_KEY") or kept_secret("secret-key"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    # Production runs with Redis (Celery's broker, the cache, the sessions' fast copy); the
    # bench keeps to its own database so a test run (db 15) cannot flush its session away.
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    return env


def kept_secret(name):
    """A random value made once and kept in var/bench/: the same for every run and process."""
    path = STATE / name
    if not path.exists():
        STATE.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text("bench-" + os.urandom(24).hex())
    return path.read_text().strip()


def ensure_database(database_url, patients):
    """Create, migrate and seed the benchmark database unless it is already seeded."""
    import psycopg2

    parts = urllib.parse.urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(database_url.replace(f"/{name}", "/postgres", 1))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"Creating database {name}…", flush=True)
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()

    from django.core.management import call_command

    from kapclinic.clinic.models import Clinic
    from kapclinic.demo.scale_network import NETWORK

    call_command("migrate", verbosity=0)
    if not Clinic.objects.filter(name__startswith=NETWORK).exists():
        print(f"Seeding {patients:,} patients (once; later runs reuse them)…", flush=True)
        call_command("seed_scale", patients=patients)
    call_command("collectstatic", interactive=False, verbosity=0)


def bench_clinician():
    """A prescriber of the network's first clinic with a password and an enrolled TOTP."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    from kapclinic.clinic.models import Clinic, Provider, Role, User
    from kapclinic.demo.scale_network import NETWORK

    password = kept_secret("password")
    user = User.objects.filter(email=BENCH_EMAIL).first()
    if user is None:
        user = User.objects.create_user(BENCH_EMAIL, password, first_name="Bench", last_name="Md")
        clinic = Clinic.objects.filter(name__startswith=NETWORK).order_by("pk").first()
        Provider.objects.create(user=user, clinic=clinic, role=Role.PRESCRIBER)
    elif not user.check_password(password):
        # Only when the kept password is new (a fresh var/bench/): changing it signs every
        # other bench session out, so it is never changed on an ordinary run.
        user.set_password(password)
        user.save(update_fields=["password"])
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    else:
        secret = decrypt(totp.data["secret"])
    return user, password, secret


def pick_pages(user, search_url):
    """The pages to measure, each a record of the bench clinician's own clinic."""
    from django.urls import reverse

    full, review, live = sample_records(user)
    return [
        ("bare", "Bare Django view (ceiling)", "/bench/bare/"),
        ("caseload", "Caseload, first page", reverse("clinic:caseload")),
        ("search", "Caseload, search", search_url),
        ("page2", "Caseload, page 2", reverse("clinic:caseload") + "?page=2"),
        (
            "chart",
            "Patient chart (full course)",
            reverse("clinic:patient-chart", args=[full.patient_id]),
        ),
        ("session", "Live session screen", reverse("dosing:session", args=[live.appointment_id])),
        ("outcome", "Outcome page", reverse("integration:outcomes", args=[full.pk])),
        ("review", "Intake review", reverse("intake:review", args=[review.pk])),
        ("dashboard", "Clinic dashboard", reverse("integration:dashboard")),
        ("register", "Controlled-substance register", reverse("stock:register")),
        ("calendar", "Calendar, week (every clinician)", reverse("calendar:week")),
    ], full


def count_queries(path, session_key):
    """SQL queries of one request, in process, with the same signed-in session."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    client.get(path)  # warm per-process caches as a running worker has them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} in process")
    return len(queries)


def wrk(port, path, session_key, seconds, connections, script):
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        script,
        "-H",
        f"Cookie: sessionid={session_key}",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(  # noqa: S603  fixed arguments, wrk from PATH
        command, capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def pdf_time(port, session_key, path, runs=5):
    times = []
    for _ in range(runs):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": f"sessionid={session_key}"})
        response = connection.getresponse()
        body = response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200 or not body.startswith(b"%PDF"):
            raise RuntimeError(f"The course summary answered {response.status}")
        connection.close()
    return statistics.median(times)


def serve(app, port, cwd, env):
    """gunicorn with the settings every row of the table shares: 2 sync workers, loopback."""
    return subprocess.Popen(  # noqa: S603  our own virtualenv's gunicorn
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=cwd,
        env=env,
    )


def wait_for(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Nothing answered on port {port}.")


def measure(port, path, session_key, args, script):
    """A warm-up, then the measured run; with the load average before and after, since the
    machine is shared and a busy minute shows up there first."""
    wrk(port, path, session_key, 2, args.connections, script)
    load_before = os.getloadavg()[0]
    result = wrk(port, path, session_key, args.seconds, args.connections, script)
    result["load"] = (load_before, os.getloadavg()[0])
    if result["non_2xx"] or result["socket_errors"]:
        raise RuntimeError(f"{path}: {result}")
    return result


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().split()[1]
        memory = f"{int(memory) / 1024 / 1024:.1f} GB RAM"
    except OSError:
        memory = "unknown RAM"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}"


def data_size():
    from kapclinic.clinic.models import Appointment, Patient, TreatmentCourse
    from kapclinic.measures.models import QuestionnaireResponse
    from sessions.models import DosingSession, VitalSigns

    return ", ".join(
        f"{model.objects.count():,} {label}"
        for model, label in (
            (Patient, "patients"),
            (TreatmentCourse, "courses"),
            (Appointment, "appointments"),
            (DosingSession, "dosing sessions"),
            (VitalSigns, "vitals rows"),
            (QuestionnaireResponse, "questionnaire responses"),
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--note", default="", help="e.g. 'measured while other jobs ran'")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument(
        "--pages",
        default="",
        help="only these rows, e.g. 'bare' or 'bare,caseload' (hello-world always runs first; "
        "a partial run prints its table and leaves docs/performance.md alone)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        sys.exit("gunicorn is missing from the virtualenv: make install")

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = server_env(database_url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kapclinic.settings"
    import django

    django.setup()
    ensure_database(database_url, args.patients)
    user, password, secret = bench_clinician()

    port, hello_port = free_port(), free_port()
    gunicorn = serve("kapclinic.wsgi", port, ROOT, env)
    hello = serve("bench_hello:application", hello_port, ROOT / "scripts", env)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        wait_for(port)
        wait_for(hello_port)
        hello_result = measure(hello_port, "/hello/", "", args, script.name)
        hello.terminate()
        hello.wait(timeout=30)
        print(f"{'Hello-world Django view':<30} {hello_result['rps']:8.1f} req/s", flush=True)
        browser = sign_in(port, user.email, password, secret)
        search_url = caseload_search(browser, "silva")
        session_key = browser.cookies["sessionid"]
        pages, full = pick_pages(user, search_url)
        if args.pages:
            wanted = set(args.pages.split(","))
            unknown = wanted - {key for key, _label, _path in pages}
            if unknown or "bare" not in wanted:
                sys.exit(f"--pages: unknown {sorted(unknown)}, or 'bare' missing (the ratios)")
            pages = [page for page in pages if page[0] in wanted]
        results = []
        for _key, label, path in pages:
            queries = count_queries(path, session_key)
            result = measure(port, path, session_key, args, script.name)
            results.append((label, path, queries, result))
            print(
                f"{label:<30} {result['rps']:8.1f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms"
                f"  p95 {result['p95_us'] / 1000:6.1f} ms  {queries:3d} queries",
                flush=True,
            )
        from django.urls import reverse

        pdf = None
        if not args.pages:
            pdf = pdf_time(port, session_key, reverse("reports:course-summary", args=[full.pk]))
    finally:
        for server in (gunicorn, hello):
            server.terminate()
            server.wait(timeout=30)
        os.unlink(script.name)
    report = render(hello_result, results, pdf, args)
    print("\n" + report)
    if not args.pages:
        write_report(Path(args.output), report)
        print(f"Written to {args.output}")


START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_report(path, report):
    """Replace the measured part of the page; the notes written around it stay."""
    block = f"{START}\n{report}\n{END}"
    text = path.read_text() if path.exists() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = "# Performance at clinic-network scale\n\n" + block + "\n"
    path.write_text(text)


def render(hello, results, pdf, args):
    ceiling = results[0][3]["rps"]
    lines = [
        "Measured by `make bench` (scripts/bench_pages.py); re-run it to refresh this page.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Data: {data_size()}",
        f"- Load: wrk, {args.connections} connections, {args.seconds} s per page, loopback; "
        "gunicorn with 2 sync workers, production settings (DEBUG off) but no HTTPS redirect; "
        "signed in as a prescriber (password + TOTP).",
        f"- Targets: p95 under {P95_TARGET_MS} ms and at least {RATIO_TARGET:.0%} of the bare "
        f"view's throughput for every page; the bare view at least {BARE_TARGET:.0%} of the "
        "hello-world view's; the course summary PDF under 1.5 s.",
    ]
    if args.note:
        lines.append(f"- Note: {args.note}")
    lines += [
        "",
        "| Page | Requests/s | p50 (ms) | p95 (ms) | vs bare view | vs hello-world "
        "| SQL queries | Load before → after | Targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
        f"| Hello-world Django view (one middleware) | {hello['rps']:.0f} "
        f"| {hello['p50_us'] / 1000:.1f} | {hello['p95_us'] / 1000:.1f} | | 100% | 0 "
        f"| {hello['load'][0]:.2f} → {hello['load'][1]:.2f} | |",
    ]
    for index, (label, _path, queries, result) in enumerate(results):
        ratio, to_hello = result["rps"] / ceiling, result["rps"] / hello["rps"]
        p95 = result["p95_us"] / 1000
        if index == 0:
            met = to_hello >= BARE_TARGET
        else:
            met = p95 < P95_TARGET_MS and ratio >= RATIO_TARGET
        lines.append(
            f"| {label} | {result['rps']:.0f} | {result['p50_us'] / 1000:.1f} | {p95:.1f} "
            f"| {ratio:.0%} | {to_hello:.1%} | {queries} "
            f"| {result['load'][0]:.2f} → {result['load'][1]:.2f} "
            f"| {'met' if met else '**missed**'} |"
        )
    if pdf is not None:
        lines += [
            "",
            f"Course summary PDF (full course, median of 5 sequential downloads): {pdf:.2f} s "
            f"({'met' if pdf < 1.5 else '**missed**'}).",
        ]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
