#!/usr/bin/env python
"""Take the README screenshots from the seeded demo clinic.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Migrates and seeds a throw-away SQLite database (/tmp/kap-shots.sqlite3), serves it with
`manage.py runserver` on 127.0.0.1:8765 (KAP_REQUIRE_STAFF_MFA=false, DEBUG=true, as
`make demo`), signs in as the demo prescriber and patient in Debian's chromium (Playwright,
no browser download) and writes:

    login.png                  the sign-in page, desktop 1280x800
    caseload.png               the prescriber's caseload, desktop 1280x800
    intake-review.png          Noor's intake review, as the prescriber
    session-screen.png         Amara's signed dosing session, as the prescriber
    controlled-register.png    the controlled-substance register, as the prescriber
    calendar-week.png          next week in the clinic's calendar, one column per clinician
    outcomes.png               Lee's PHQ-9 and GAD-7 outcomes, as the therapist
    reevaluation.png           Mina's re-evaluation in maintenance: the decision and the
                               long-term safety screen, as the prescriber
    patient-journey-phone.png  the patient's journey on a 390x844 phone
    who-viewed-phone.png       Amara's "who viewed my record" on the phone
    my-record-phone.png        Amara's "A copy of my record" (PDF and FHIR downloads), phone
    journal-phone.png          Lee's journal on the phone
    check-in-phone.png         Theo's check-in, first step, on the phone (only when his
                               check-in window is open: not when seeded late in the evening)

The server is stopped on exit, whatever happens. This is no test: nothing here can fail a
build, and the browser tests in tests/e2e never depend on it.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same chromium as the browser tests (see docs TOOLING "Browser tests").
from tests.e2e.chromium import CHROMIUM_ARGS, DESKTOP, PHONE  # noqa: E402

HOST, PORT = "127.0.0.1", 8765
BASE_URL = f"http://{HOST}:{PORT}"
DB_PATH = Path(tempfile.gettempdir()) / "kap-shots.sqlite3"
# A full-page picture taller than this is cut to the viewport: the README shows it small.
TALLEST_FULL_PAGE = 3200

# The seeded pages to photograph, by URL: read from the demo database, not guessed.
PAGES_SCRIPT = """
import json
from django.urls import reverse
from kapclinic.clinic.models import Appointment, TreatmentCourse
from sessions.models import DosingSession
from sessions.booking import check_in_refusal
course = {c.patient.email: c for c in TreatmentCourse.objects.select_related("patient")}
session = DosingSession.objects.filter(
    course=course["patient@example.com"], status="signed"
).first()
theo = Appointment.objects.filter(course=course["cleared@example.com"], kind="dosing").first()
print(json.dumps({
    "review": reverse("intake:review", args=[course["review@example.com"].pk]),
    "session": reverse("dosing:session", args=[session.appointment_id]),
    "outcomes": reverse("integration:outcomes", args=[course["integration@example.com"].pk]),
    "reevaluation": reverse(
        "integration:reevaluation", args=[course["maintenance@example.com"].pk]
    ),
    "check_in": reverse("dosing:check-in", args=[theo.pk]),
    "check_in_open": check_in_refusal(theo) is None,
    "journal": reverse("integration:journal"),
}))
"""


def demo_env():
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{DB_PATH}",
        KAP_REQUIRE_STAFF_MFA="false",
        DEBUG="true",
        DJANGO_ENV="development",
        CELERY_TASK_ALWAYS_EAGER="true",
        REDIS_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the demo runs the ordinary settings
    return env


def manage(*args, env):
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def port_in_use():
    with socket.socket() as sock:
        return sock.connect_ex((HOST, PORT)) == 0


def demo_password(seed_output):
    """seed_demo prints the logins and their shared password; read it from there."""
    match = re.search(r"password for all: (\S+?)\)", seed_output)
    if match is None:
        raise SystemExit(f"Could not read the demo password from seed_demo:\n{seed_output}")
    return match.group(1)


def wait_for_server(process, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"runserver exited early:\n{Path(log_path).read_text()}")
        try:
            with urllib.request.urlopen(f"{BASE_URL}/accounts/login/", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"runserver did not answer within {timeout} s:\n{Path(log_path).read_text()}")


def sign_in(page, email, password):
    page.goto(f"{BASE_URL}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state("load")


def settle(page, reload=False):
    """No caret, no focus ring, no "signed in" message, no transition in the picture."""
    if reload:
        page.reload()  # the one-off "Successfully signed in" message was shown already
    page.wait_for_load_state("load")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)


def demo_pages(env):
    """{name: path} of the seeded pages, and whether Theo's check-in is open now."""
    output = manage("shell", "-c", PAGES_SCRIPT, env=env)
    return json.loads(output.strip().splitlines()[-1])


def shoot(page, path, full_page=False):
    if full_page:
        height = page.evaluate("document.documentElement.scrollHeight")
        full_page = height <= TALLEST_FULL_PAGE
    page.screenshot(path=path, full_page=full_page)
    return path.name


@contextmanager
def new_page(browser, **options):
    """A fresh browser context (its own cookies) and a page in it, closed on leaving."""
    context = browser.new_context(
        locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce", **options
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def capture(out_dir, password, pages):
    from playwright.sync_api import expect, sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    desktop = {"viewport": DESKTOP}
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
    written = []

    def visit(page, path, name, *, heading=None, full_page=False):
        """Open `path`, wait for its heading (when given) and photograph it as `name`."""
        page.goto(BASE_URL + path)
        if heading is not None:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        settle(page)
        written.append(shoot(page, out_dir / name, full_page=full_page))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        with new_page(browser, **desktop) as page:
            visit(page, "/accounts/login/", "login.png")
            sign_in(page, "prescriber@example.com", password)
            expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
            settle(page, reload=True)
            written.append(shoot(page, out_dir / "caseload.png"))
            visit(page, pages["review"], "intake-review.png")
            visit(page, pages["session"], "session-screen.png", full_page=True)
            visit(page, "/stock/", "controlled-register.png", heading="Controlled")
            # The page is long: the picture is its decision and long-term safety screen.
            page.goto(BASE_URL + pages["reevaluation"])
            decide = "document.getElementById('decide-h').getBoundingClientRect().top"
            page.evaluate(f"window.scrollBy(0, {decide} - 24)")
            settle(page)
            written.append(shoot(page, out_dir / "reevaluation.png"))
            next_week = datetime.date.today() + datetime.timedelta(days=7)
            visit(page, f"/calendar/?date={next_week}", "calendar-week.png", heading="Calendar")

        with new_page(browser, **desktop) as page:
            sign_in(page, "therapist@example.com", password)
            visit(page, pages["outcomes"], "outcomes.png", heading="Outcomes")

        with new_page(browser, **phone) as page:
            sign_in(page, "patient@example.com", password)
            expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
            settle(page, reload=True)
            written.append(shoot(page, out_dir / "patient-journey-phone.png"))
            visit(page, "/audit/my-record/", "who-viewed-phone.png")
            visit(page, "/reports/my-record/", "my-record-phone.png", heading="A copy of my record")

        with new_page(browser, **phone) as page:
            sign_in(page, "integration@example.com", password)
            visit(page, pages["journal"], "journal-phone.png", heading="My journal")

        if pages["check_in_open"]:
            with new_page(browser, **phone) as page:
                sign_in(page, "cleared@example.com", password)
                visit(page, pages["check_in"], "check-in-phone.png")
        browser.close()
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out_dir = parser.parse_args().out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    if port_in_use():
        raise SystemExit(f"Port {PORT} is taken: stop whatever serves {BASE_URL} first.")
    env = demo_env()
    DB_PATH.unlink(missing_ok=True)
    manage("migrate", "--noinput", "-v", "0", env=env)
    password = demo_password(manage("seed_demo", env=env))
    pages = demo_pages(env)

    with tempfile.NamedTemporaryFile("w+", prefix="kap-shots-", suffix=".log") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_server(server, log.name)
            written = capture(out_dir, password, pages)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    for name in written:
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main()
