"""Finding every form a person can reach, and posting hostile values to it.

Forms are found by reading pages, not listed by hand: each role opens the pages the URL
sweep's ACCESS table lets it reach and follows the links on them, and every POST form on the
way is kept, keyed by the view it posts to (and the wizard step, for the intake and check-in
steps). Forms that only appear in a later state (a signed note's addendum, the sign button
after discharge) are reached by STATES, which moves the scene on before reading the page.
"""

import datetime
from urllib.parse import urlencode

import tinyhtml5
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.models import ConsentDocument
from integration import services as integration_services
from kapclinic.clinic import risk
from kapclinic.clinic.models import Appointment, SafetyFlag
from kapclinic.demo.builder import (
    GAD7_ANSWERS,
    PHQ9_ANSWERS,
    check_in,
    clear_course,
    discharge_data,
    identity_data,
    intake_answers,
    publish_consent,
)
from sessions import services
from sessions.models import DosingSession
from tests.factories import AppointmentFactory, CourseFactory, PatientFactory

from .hostile import RAW_MARKUP, form_data
from .scene import (
    ANONYMOUS,
    NURSE_1,
    PATIENT_A,
    PATIENT_B,
    PRESCRIBER_1,
    THERAPIST_1,
)
from .test_url_sweep import ACCESS, GET, POST

# Who reads pages, in order: the first role to see a form is the one that fuzzes it.
READERS = (PRESCRIBER_1, THERAPIST_1, NURSE_1, PATIENT_A, PATIENT_B, ANONYMOUS)
# Pages a reader never follows: downloads, sign-out, other people's tools.
NOT_FOLLOWED = ("/static/", "/media/", "/admin/", "/reports/", "/accounts/logout/")
# allauth's own forms, reached by anonymous visitors (the rest of accounts/ is allauth's).
ALLAUTH_PAGES = ("account_login", "account_reset_password", "account_signup")

# Forms that are found but not fuzzed, with the reason.
NOT_FUZZED = {
    "account_logout": "takes only the CSRF token and ends the session it would be fuzzed with",
}
# URLs that accept POST from someone but show no form, with the reason.
NO_FORM = {
    "home": "no form: POST and GET both just send the person to their start page",
    "account_signup": "sign-up is closed: patients join by invitation (intake:accept is fuzzed)",
}
# Forms whose state is not yet built here: fuzzed blind, with the sweep's field names.
BLIND = {
    "dosing:check-in-review": "the Send form needs every check-in step saved but not sent",
    "dosing:override-gate": "the form needs a gate that fails only on overridable checks",
}

# Successful answers and refusals a view may give to a person allowed to post there. 500 is
# the one the fuzzing is for; 403/404 would mean the form posts somewhere its reader may not.
ANSWERS = {200, 302, 303, 400, 409, 413, 422, 429}

# Every example posted in this run, for the summary line.
POSTED = []


def form_key(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs.get("step")


def _links(html):
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    for anchor in root.iter("a"):
        href = anchor.get("href") or ""
        if href.startswith("/") and not href.startswith(NOT_FOLLOWED):
            yield href.split("?")[0].split("#")[0]


def seeds(scene, role):
    pages = [reverse("home")]
    for name, page in ACCESS.items():
        if role in page.allowed and GET in page.methods and not name.startswith("reports:"):
            pages.append(reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None))
    if role == ANONYMOUS:
        pages += [reverse(name) for name in ALLAUTH_PAGES]
    return pages


PER_VIEW = 3  # pages opened per view and step: a few records, not the whole caseload


def crawl(client, role, queue, found=None, pages=None):
    """Open `queue` and the pages it links to as `role`; forms into `found`, HTML into `pages`."""
    from .html_forms import forms_on

    opened, per_view = set(), {}
    while queue:
        path = queue.pop(0)
        key = form_key(path)
        if key is None or path in opened or per_view.get(key, 0) >= PER_VIEW:
            continue
        per_view[key] = per_view.get(key, 0) + 1
        opened.add(path)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if pages is not None:
            pages.append((role, path, html))
        for form in forms_on(html, path) if found is not None else ():
            if (action := form_key(form.action)) is not None:
                found.setdefault(action, (role, form))
        queue += list(_links(html))


def read_forms(client, path, found, role):
    """The forms on one page, without following its links."""
    from .html_forms import forms_on

    response = client.get(path)
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        for form in forms_on(response.content.decode(), path):
            if (action := form_key(form.action)) is not None:
                found.setdefault(action, (role, form))


def discover(scene, clients):
    """Every (view, step) → (role, form) the readers see; the first reader to see it wins."""
    found = {}
    for role in READERS:
        crawl(clients[role], role, seeds(scene, role), found=found)
    return found


# ---- States that bring out the forms the first scene does not show ----------------------------


def _dosed(scene):
    session = scene.session_a
    # Started three hours ago, dosed at +15 min: long enough observed to be discharged.
    DosingSession.objects.filter(pk=session.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=3)
    )
    session.refresh_from_db()
    prescriber, nurse = scene.prescriber.user, scene.nurse.user
    # Fetched afresh: an earlier test's savepoint rolled the row back, not the Python object.
    SafetyFlag.objects.get(pk=scene.flag_a.pk).resolve(prescriber, "Safety plan agreed.")
    review_low_risk(SafetyFlag.objects.get(pk=scene.risk_flag_a.pk), prescriber)
    check_in(scene.appointment_a, scene.patient_a.user, start=session.started_at)
    services.confirm_companion(session, nurse)
    services.record_weight(session, nurse, 70)
    recorded_at = session.started_at + datetime.timedelta(minutes=6)
    services.record_identity_check(session, nurse, identity_data(recorded_at))
    services.record_vitals(
        session,
        nurse,
        {
            "taken_at": session.started_at + datetime.timedelta(minutes=5),
            "systolic": 120,
            "diastolic": 80,
            "heart_rate": 72,
            "spo2": 98,
        },
    )
    # No dose while an in-session alert waits (issue 14): the scene's alert is seen to first.
    for alert in session.alerts.filter(acknowledged_at__isnull=True):
        services.acknowledge_alert(alert, nurse, "Rechecked.")
    services.record_dose(
        session,
        prescriber,
        {
            "product": "racemic_ketamine",
            "route": "sublingual",
            "amount_mg": 200,
            "lot_number": "LOT-42",
            "lot_expiry": timezone.localdate() + datetime.timedelta(days=365),
            "given_at": session.started_at + datetime.timedelta(minutes=15),
            "witnessed_by": nurse,
        },
    )
    # A settled recheck after the dose: discharge needs a reading since it.
    recheck = {"systolic": 124, "diastolic": 80, "heart_rate": 70, "spo2": 98}
    recheck["taken_at"] = session.started_at + datetime.timedelta(minutes=55)
    services.record_vitals(session, nurse, recheck)
    return session


def review_low_risk(flag, by, answers=None, decision="continue"):
    return risk.review_risk_flag(
        flag,
        by,
        screen_answers=answers or {"q1": 1, "q2": 0, "q6": 0},
        protective_factors="Family.",
        formulation="Passive thoughts only.",
        decision=decision,
        safety_plan_made=True,
    )


def state_high_risk_reviewed(scene, clients):
    """A high-risk review: its page offers the prescriber the psychiatric review form."""
    flag = SafetyFlag.objects.get(pk=scene.risk_flag_a.pk)
    high = {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}
    review_low_risk(flag, scene.prescriber.user, answers=high, decision="pause_dosing")
    return PRESCRIBER_1, reverse("clinic:risk-review", args=[flag.pk])


def state_session_page_for_b(scene, clients):
    """A course cleared with a signed plan and a dosing appointment in the next half hour: a
    session opens only on a signed plan, within the protocol's window before the start, and
    the page shows its "open" form only then (patient B's intake is still in progress)."""
    course = CourseFactory(patient=PatientFactory(clinic=scene.appointment_b.course.clinic))
    clear_course(course, scene.prescriber.user)
    starts = timezone.now() + datetime.timedelta(minutes=30)
    appointment = AppointmentFactory(
        course=course, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    return PRESCRIBER_1, reverse("dosing:session", args=[appointment.pk])


def state_invited(scene, clients):
    return PRESCRIBER_1, reverse("clinic:patient-chart", args=[scene.invited.patient.pk])


def state_checked_in(scene, clients):
    """Every check-in step answered, not yet sent: the review page offers "Send"."""
    appointment, patient = scene.appointment_a, scene.patient_a.user
    start = scene.session_a.started_at
    services.save_check_in(
        appointment,
        patient,
        {
            "last_food_at": start - datetime.timedelta(hours=6),
            "last_drink_at": start - datetime.timedelta(hours=3),
            "companion_name": "Sam Example",
            "companion_phone": "+44 7700 900111",
            "new_medications": "",
            "new_substances": "",
            "possibly_pregnant": "no",
        },
    )
    for instrument, answers in (("gad7", GAD7_ANSWERS), ("phq9", PHQ9_ANSWERS)):
        services.save_check_in_questionnaire(
            appointment, patient, instrument, answers, complete=True
        )
    return PATIENT_A, reverse("dosing:check-in-review", args=[scene.appointment_a.pk])


def state_intake_answered(scene, clients):
    if not ConsentDocument.objects.filter(clinic=scene.clinic).exists():
        publish_consent(scene.clinic)
    for step, data in intake_answers(scene.patient_b).items():
        clients[PATIENT_B].post(reverse("intake:step", args=[step]), data)
    return PATIENT_B, reverse("intake:check")


def state_note_signed(scene, clients):
    therapist = scene.world.one.staff["therapist"].user
    note = scene.note_a
    # A note is signed once its session has taken place: this one, three days ago.
    began = timezone.now() - datetime.timedelta(days=3)
    Appointment.objects.filter(pk=scene.integration_a.pk).update(
        starts_at=began, ends_at=began + datetime.timedelta(hours=1)
    )
    integration_services.record_integration_note(
        note,
        therapist,
        {
            "patient_account": "Calmer.",
            "themes_insights": "Grief.",
            "affect": "Settled.",
            "persisting_effects": "None.",
            "adverse_psychological_effects": "None.",
            "suicide_risk_check": "no_concerns",
            "goals_action_steps": "Walks.",
            "next_dose_plan": "keep",
        },
    )
    integration_services.sign_integration_note(note, therapist)
    return THERAPIST_1, reverse("integration:note", args=[scene.integration_a.pk])


def state_entry_shared(scene, clients):
    clients[PATIENT_A].post(reverse("integration:share-entry", args=[scene.entry_a.pk]))
    return PATIENT_A, reverse("integration:journal")


def state_gate_fails(scene, clients):
    """Everything ready but fasting: a check a prescriber may override with a reason."""
    session, nurse = scene.session_a, scene.nurse.user
    start = session.started_at
    check_in(scene.appointment_a, scene.patient_a.user, start=start, last_food_at=start)
    services.confirm_companion(session, nurse)
    services.record_weight(session, nurse, 70)
    services.record_identity_check(session, nurse, identity_data(None))
    services.record_vitals(
        session,
        nurse,
        {
            "taken_at": timezone.now(),
            "systolic": 120,
            "diastolic": 80,
            "heart_rate": 72,
            "spo2": 98,
        },
    )
    return PRESCRIBER_1, reverse("dosing:session", args=[scene.appointment_a.pk])


def state_identity_to_record(scene, clients):
    """The open session before anyone checked who the patient is: the screen offers the form."""
    return NURSE_1, reverse("dosing:session", args=[scene.appointment_a.pk])


def state_dosed(scene, clients):
    _dosed(scene)
    return PRESCRIBER_1, reverse("integration:begin-integration", args=[scene.course_a.pk])


def state_in_treatment(scene, clients):
    _dosed(scene)
    return PRESCRIBER_1, reverse("integration:reevaluation", args=[scene.course_a.pk])


def state_ready_to_sign(scene, clients):
    session = _dosed(scene)
    services.discharge(session, scene.prescriber.user, discharge_data())
    return PRESCRIBER_1, reverse("dosing:session", args=[scene.appointment_a.pk])


def state_signed(scene, clients):
    state_ready_to_sign(scene, clients)
    services.sign_session(scene.session_a, scene.prescriber.user)
    return THERAPIST_1, reverse("integration:book-session", args=[scene.session_a.pk])


def state_in_integration(scene, clients):
    state_signed(scene, clients)
    scene.course_a.refresh_from_db()
    scene.course_a.begin_integration(scene.world.one.staff["therapist"].user, "Dosing done.")
    return THERAPIST_1, reverse("integration:complete", args=[scene.course_a.pk])


def state_reset_key(scene, clients):
    user = scene.patient_a.user
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    # allauth stores the key in the session and redirects to a key-less URL with the form.
    response = clients[ANONYMOUS].get(path)
    return ANONYMOUS, response.get("Location") or path


def state_staff_welcome(scene, clients):
    """A new nurse's sign-in invitation opened: as for a reset key, the token moves into the
    session and the form answers at a token-less address."""
    path = reverse(
        "clinic:staff-welcome",
        kwargs={"uidb64": scene.welcome_uid, "token": scene.welcome_token},
    )
    response = clients[ANONYMOUS].get(path)
    return ANONYMOUS, response.get("Location") or path


def state_diagnosed(scene, clients):
    """A diagnosis on the course: its row offers "Mark entered in error"."""
    from kapclinic.clinic.diagnoses import add_diagnosis

    add_diagnosis(scene.course_a, scene.prescriber.user, "F32.1")
    return PRESCRIBER_1, reverse("clinic:diagnoses", args=[scene.course_a.pk])


def state_billed(scene, clients):
    """A visit that took place with a fee line: the billing page offers a new line, "Mark
    paid" and "Entered in error"."""
    from kapclinic.billing import services as billing
    from kapclinic.clinic.models import Appointment

    Appointment.objects.filter(pk=scene.appointment_a.pk).update(status="checked_in")
    scene.appointment_a.refresh_from_db()
    billing.record_fee_line(scene.appointment_a, scene.prescriber.user, "99214")
    return PRESCRIBER_1, reverse("billing:patient", args=[scene.patient_a.pk])


def _request_a(scene):
    from kapclinic.calendar.models import AppointmentRequest

    from .test_url_sweep import calendar_scene

    # Fetched afresh: an earlier test's savepoint rolled the row back, not the Python object.
    return AppointmentRequest.objects.get(pk=calendar_scene(scene).request_a.pk)


def state_request_withdrawn(scene, clients):
    """Patient A's request withdrawn: the page offers the open slots again."""
    from kapclinic.calendar import requests as calendar_requests

    calendar_requests.withdraw(scene.patient_a.user, _request_a(scene))
    # Discharged from today's session: an integration session may follow it.
    DosingSession.objects.filter(pk=scene.session_a.pk).update(
        status=DosingSession.Status.DISCHARGED
    )
    return PATIENT_A, reverse("calendar:ask")


def state_move_asked(scene, clients):
    state_request_withdrawn(scene, clients)
    return PATIENT_A, reverse("calendar:ask-to-move", args=[scene.integration_a.pk])


def state_time_offered(scene, clients):
    """The clinic offers patient A another time: the page asks them to accept or decline."""
    from kapclinic.calendar import requests as calendar_requests

    offered = timezone.now() + datetime.timedelta(days=4)
    calendar_requests.propose(
        scene.prescriber.user,
        _request_a(scene),
        starts_at=offered,
        ends_at=offered + datetime.timedelta(hours=1),
    )
    return PATIENT_A, reverse("calendar:ask")


# URL name → a function that moves the scene on and names the page showing its form.
def state_protocol_to_sign(scene, clients):
    """An inactive draft (IV, the reference values) that the medical director has yet to sign;
    the clinic's protocols in force are left as they are."""
    from kapclinic.clinic.models import Product, Protocol, Route

    draft = Protocol.from_reference(scene.clinic, Route.IV, Product.RACEMIC_KETAMINE)
    draft.save()
    return PRESCRIBER_1, reverse("clinic:sign-protocol", args=[draft.pk])


def state_record_request(scene, clients):
    """Patient A asked for a correction: a clinician's page offers the answer."""
    from .test_url_sweep import record_request_scene

    return PRESCRIBER_1, reverse(
        "clinic:record-request", args=[record_request_scene(scene).record_request_a.pk]
    )


def state_my_record(scene, clients):
    """Patient A's "A copy of my record": its form asks the clinic for notes or a correction."""
    return PATIENT_A, reverse("reports:my-record")


STATES = {
    "clinic:record-request": state_record_request,
    "reports:my-record": state_my_record,
    "clinic:sign-protocol": state_protocol_to_sign,
    "dosing:session": state_session_page_for_b,
    "dosing:check-in-review": state_checked_in,
    "intake:resend-invitation": state_invited,
    "dosing:override-gate": state_gate_fails,
    "dosing:record-identity-check": state_identity_to_record,
    "dosing:sign-session": state_ready_to_sign,
    "intake:check": state_intake_answered,
    "integration:add-note-addendum": state_note_signed,
    "integration:unshare-entry": state_entry_shared,
    "integration:begin-integration": state_dosed,
    "integration:book-session": state_signed,
    "integration:complete": state_in_integration,
    "integration:reevaluation": state_in_treatment,
    "account_reset_password_from_key": state_reset_key,
    "clinic:staff-welcome": state_staff_welcome,
    "clinic:psychiatric-review": state_high_risk_reviewed,
    "clinic:diagnosis-in-error": state_diagnosed,
    "billing:patient": state_billed,
    "billing:mark-paid": state_billed,
    "billing:line-in-error": state_billed,
    "calendar:ask": state_request_withdrawn,
    "calendar:ask-to-move": state_move_asked,
    "calendar:answer-offer": state_time_offered,
}


def blind_form(scene, name):
    """A form built from the sweep's data for `name`, every field typed text."""
    from .html_forms import Field, Form

    page = ACCESS[name]
    action = reverse(name, kwargs=page.kwargs(scene) if page.kwargs else None)
    data = page.data(scene) if page.data else {}
    fields = {key: Field(key, "text", [str(value)]) for key, value in data.items()}
    role = sorted(page.allowed - {ANONYMOUS})[0] if page.allowed - {ANONYMOUS} else ANONYMOUS
    return role, Form(action=action, page=action, fields=fields)


def posted_urls():
    """Every URL name someone may POST to: the sweep's table, and allauth's fuzzed forms."""
    names = {n for n, page in ACCESS.items() if POST in page.methods and page.allowed}
    return sorted(names | {*ALLAUTH_PAGES, "account_reset_password_from_key"})


# ---- Posting -----------------------------------------------------------------------------------


def known_values(scene, name):
    """The sweep's real data for this URL: good values for fields the page leaves empty."""
    page = ACCESS.get(name)
    return page.data(scene) if page and page.data else {}


def answer_problem(response):
    """None when the answer is one a view may give; else what is wrong."""
    if response.status_code not in ANSWERS:
        return f"answered {response.status_code}"
    body = response.content.decode(errors="replace")
    if "html" in response.get("Content-Type", ""):
        raw = [m for m in RAW_MARKUP if m in body]
        if raw:
            return f"echoed unescaped markup {raw}"
    return None


def post_once(client, action, data, htmx):
    """One browser-like POST (urlencoded, maybe from htmx), rolled back afterwards."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    headers = {"HX-Request": "true"} if htmx else {}
    cache.clear()  # rate-limit counters: every example starts as a first try
    POSTED.append(action)
    try:
        with transaction.atomic():
            try:
                return client.post(
                    action,
                    urlencode(data, doseq=True),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                ), None
            except Exception as error:  # the test client re-raises what would be a 500
                return None, error
            finally:
                transaction.set_rollback(True)
    finally:
        client.cookies = cookies


def fuzz(client, form, known, today, examples):
    """Post `examples` hostile mixes to `form`; raise AssertionError with the first bad one."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=form_data(form, known, today), htmx=st.booleans())
    def post(data, htmx):
        response, error = post_once(client, form.action, data, htmx)
        shown = {
            k: (v[:80] + f"…({len(v)})" if isinstance(v, str) and len(v) > 80 else v)
            for k, v in data.items()
        }
        assert error is None, f"POST {form.action} raised {error!r} for {shown}"
        problem = answer_problem(response)
        assert problem is None, f"POST {form.action} {problem} for {shown}"

    post()


# ---- Stored text, shown back ------------------------------------------------------------------

# Posted last in the escaping pass: they close the appointment or the course.
CLOSING = ("dosing:cancel-appointment", "dosing:record-no-show", "integration:discontinue")
FREE_TEXT = {"text", "textarea", "search"}


def payload(tag):
    return f'<script>alert("{tag}")</script>"><img src=x onerror=alert(1)>{{{{ 7*7 }}}}'


def escaped(tag):
    """How `payload(tag)` reads in an autoescaped page."""
    return f"&lt;script&gt;alert(&quot;{tag}&quot;)&lt;/script&gt;"


def post_payloads(stage, today):
    """Post every form once with its free-text fields carrying a tagged payload; keep it."""
    from .hostile import good_values

    tags = {}
    forms = sorted(stage.found.items(), key=lambda item: (item[0][0] in CLOSING, str(item[0])))
    for (name, step), (role, form) in forms:
        if name in NOT_FUZZED or name not in posted_urls():
            continue  # allauth's account pages (password change, MFA) would sign us out
        known = known_values(stage.scene, name)
        data = {}
        for field in form.fields.values():
            if field.kind in FREE_TEXT and field.name not in known:
                tag = f"T{len(tags)}"
                tags[tag] = f"{name} {step or ''} {field.name}".replace("  ", " ")
                data[field.name] = payload(tag)
            else:
                data[field.name] = good_values(field, known, today)[0]
        cache.clear()
        POSTED.append(form.action)
        client = stage.clients[role]
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)
        client.post(form.action, data)
        client.cookies = cookies  # accepting an invitation signs the poster in as the patient
    return tags


def stored_tags(tags):
    """The tags whose payload a clinical table now holds."""
    from .scene import snapshot

    text = repr(snapshot())
    return {tag for tag in tags if f'alert("{tag}")' in text or f'alert(\\"{tag}\\")' in text}


def pages_shown(stage):
    """(role, path, html) of every page the readers reach."""
    pages = []
    for role in READERS:
        crawl(stage.clients[role], role, seeds(stage.scene, role), pages=pages)
    return pages
