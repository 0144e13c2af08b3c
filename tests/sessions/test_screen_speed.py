"""The live session screen's shortcuts show exactly what the long way shows.

Empty forms are drawn once per process and reused; the gate, monitoring schedule and
discharge preview take the rows the screen already read; the people named on the screen are
read in one query. Each is checked here against the long way round.
"""

import re
from datetime import timedelta

from django.db import connection
from django.forms import Form
from django.test.utils import CaptureQueriesContext

from kapclinic.clinic.models import Role
from sessions import services
from sessions.discharge import discharge_criteria
from sessions.forms import session as forms
from sessions.gate import evaluate_gate
from sessions.gate_overrides import covering_override
from sessions.models import Discharge, VitalSigns
from sessions.screen import session_screen
from sessions.vitals_due import due_readings
from tests.factories import ProviderFactory
from tests.sessions.test_session_views import screen, sign_in

REQUEST_KEY = re.compile(r'name="dose-request_key" value="([0-9a-f-]+)"')
ANY_KEY = re.compile(r'(name="[a-z-]+-request_key" value=")[0-9a-f-]{36}"')


def keyless(html):
    """The HTML with each form's one-time key (new per form) put as the same word."""
    return ANY_KEY.sub(r'\1KEY"', str(html))


def drawn_the_long_way(form):
    """Django's own rendering of the form, through its templates, with no cache."""
    return str(Form.render(form, form.template_name_div))


def test_empty_forms_reused_from_the_cache_match_a_fresh_drawing():
    for make in (
        forms.VitalsForm,
        forms.ObservationForm,
        forms.AdverseEventForm,
        forms.DischargeForm,
        forms.AddendumForm,
        lambda: forms.EnteredInErrorForm(prefix="error-vitals-7"),
        lambda: forms.AcknowledgeAlertForm(prefix="alert-3"),
    ):
        first, again = make(), make()
        assert keyless(first.as_div()) == keyless(again.as_div())
        assert keyless(again.as_div()) == keyless(drawn_the_long_way(make()))
        if "request_key" in first.fields:  # each form draws its own one-time key
            key = str(first["request_key"].value())
            assert key in str(first.as_div()) and key not in str(again.as_div())


def test_forms_differing_in_prefix_or_initial_value_are_not_mixed_up():
    seven = str(forms.EnteredInErrorForm(prefix="error-vitals-7").as_div())
    eight = str(forms.EnteredInErrorForm(prefix="error-vitals-8").as_div())
    assert 'name="error-vitals-7-reason"' in seven and "error-vitals-8" not in seven
    assert 'name="error-vitals-8-reason"' in eight
    heavy = str(forms.WeightForm(initial={"weight_kg": "81.5"}).as_div())
    light = str(forms.WeightForm(initial={"weight_kg": "55.0"}).as_div())
    assert 'value="81.5"' in heavy and 'value="55.0"' in light


def test_a_sent_form_is_drawn_afresh_with_its_errors_beside_the_field():
    forms.WeightForm().as_div()  # an empty one in the cache
    form = forms.WeightForm(data={"weight-weight_kg": "12"})
    assert not form.is_valid()
    html = str(form.as_div())
    assert html == drawn_the_long_way(form)
    assert "form-field--error" in html and 'aria-invalid="true"' in html


def test_each_dose_form_keeps_its_own_one_time_key(ready):
    first = forms.DoseForm(session=ready.session, user=ready.prescriber)
    second = forms.DoseForm(session=ready.session, user=ready.prescriber)
    html_first, html_second = str(first.as_div()), str(second.as_div())
    key_first, key_second = REQUEST_KEY.findall(html_first), REQUEST_KEY.findall(html_second)
    assert key_first == [str(first["request_key"].value())]
    assert key_second == [str(second["request_key"].value())]
    assert key_first != key_second
    assert html_second.replace(key_second[0], key_first[0]) == html_first


def test_the_dose_forms_staff_lists_match_their_querysets(ready):
    """One read of the clinic's clinicians fills both lists as each field's queryset would."""
    form = forms.DoseForm(session=ready.session, user=ready.prescriber)
    long_way = forms.DoseForm(session=ready.session, user=ready.prescriber)
    for name in ("given_by", "witnessed_by"):
        field = long_way.fields[name]
        del field._choices  # back to choices drawn from the queryset
        field.widget.choices = field.choices
    html = drawn_the_long_way(long_way)
    key = REQUEST_KEY.findall(html)[0]
    assert str(form.as_div()).replace(str(form["request_key"].value()), key) == html
    therapist = str(ready.therapist)
    given_by = str(form["given_by"])
    assert str(ready.nurse) in given_by and therapist not in given_by
    assert therapist in str(form["witnessed_by"])


def test_the_dose_forms_staff_read_once_shows_a_new_colleague_at_once_and_no_other_clinics(
    ready, world
):
    """The lists' one read is built once per process: a nurse who joins the clinic after it
    was built is offered at once; another clinic's nurse never is."""
    forms.DoseForm(session=ready.session, user=ready.prescriber)  # the statement built
    clinic = ready.session.course.clinic
    joined = ProviderFactory(clinic=clinic, role=Role.NURSE)
    elsewhere = ProviderFactory(clinic=world.two.clinic, role=Role.NURSE)
    given_by = str(forms.DoseForm(session=ready.session, user=ready.prescriber)["given_by"])
    assert f'value="{joined.user.pk}"' in given_by
    assert f'value="{elsewhere.user.pk}"' not in given_by


def test_the_rules_judge_the_same_from_rows_already_read(ready):
    session = ready.session
    ready.dose()
    for minute in (20, 40):
        ready.vitals(session, ready.dose_at + timedelta(minutes=minute), systolic=185)
    reading = VitalSigns.objects.filter(session=session).order_by("taken_at").last()
    services.mark_entered_in_error(reading, ready.nurse, "Wrong patient.")
    doses = list(session.administrations.all())
    readings = list(VitalSigns.objects.filter(session=session))
    gate = evaluate_gate(session, doses=doses, readings=readings)
    assert gate == evaluate_gate(session)
    overrides = list(session.overrides.all())
    assert covering_override(session, gate, overrides) == covering_override(session, gate)
    assert due_readings(session, doses=doses, readings=readings) == due_readings(session)
    record = Discharge(session=session)
    open_alerts = session.alerts.unacknowledged().count()
    assert open_alerts
    quick = discharge_criteria(session, record, doses=doses, open_alerts=open_alerts)
    assert quick == discharge_criteria(session, record)


def test_people_on_the_screen_are_read_in_one_query(ready):
    ready.dose()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=20), systolic=185)
    with CaptureQueriesContext(connection) as ctx:
        data = session_screen(ready.session, ready.prescriber)
    user_reads = [q for q in ctx.captured_queries if 'FROM "clinic_user"' in q["sql"]]
    assert len(user_reads) == 1
    dose = data["doses"][0]
    assert (dose.given_by, dose.witnessed_by) == (ready.prescriber, ready.nurse)
    assert {row.reading.recorded_by for row in data["vitals_rows"]} == {ready.nurse}


def test_the_screen_names_who_did_what(ready, staff_client):
    ready.dose()
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    html = client.get(screen(ready)).content.decode()
    assert f"{ready.prescriber} / {ready.nurse}" in html


# The vitals row's cells as the template drew them before they were drawn in Python.
CELLS_THE_LONG_WAY = (
    "<td><time datetime=\"{{ row.reading.taken_at|date:'c' }}\">"
    '{{ row.reading.taken_at|date:"H:i" }}</time></td>'
    '<td class="num">{{ row.minute }}</td>'
    "{% for cell in row.cells %}"
    '<td class="num{% if cell.finding %} vitals-cell--alert{% endif %}">'
    "{% if cell.value is None %}—{% else %}{{ cell.value }}{% endif %}"
    '{% if cell.finding %} <span aria-hidden="true">!</span><span class="visually-hidden">('
    "{% if cell.field == 'spo2' %}below{% else %}above{% endif %} alert limit: "
    "{{ cell.finding }})</span>{% endif %}</td>"
    "{% endfor %}"
    '<td class="small">{{ row.reading.recorded_by }}</td>'
)


def test_vitals_cells_drawn_in_python_match_the_template(ready):
    """Out-of-limit values, a low SpO2, a decimal temperature, an empty box, an entry in error
    and a name needing escaping: each row's cells as the template engine drew them."""
    from django.template import Context, Template
    from django.utils import timezone

    ready.nurse.first_name = "Zoë <O'Neil>"
    ready.nurse.save()
    ready.dose()
    session = ready.session
    ready.vitals(session, ready.dose_at + timedelta(minutes=20), systolic=185, spo2=88)
    services.record_vitals(
        session,
        ready.nurse,
        {
            "taken_at": ready.dose_at + timedelta(minutes=40),
            "systolic": 128,
            "diastolic": 81,
            "heart_rate": 70,
            "spo2": 97,
            "temperature": "37.4",
        },
    )
    wrong = ready.vitals(session, ready.dose_at + timedelta(minutes=60), systolic=210)
    services.mark_entered_in_error(wrong, ready.nurse, "Typed 210, was 120.")
    long_way = Template(CELLS_THE_LONG_WAY)
    with timezone.override("America/Los_Angeles"):
        rows = session_screen(session, ready.prescriber)["vitals_rows"]
        assert len(rows) == 4 and any(cell.finding for cell in rows[1].cells)
        for row in rows:
            expected = long_way.render(Context({"row": row}))
            assert str(row.cells_html).replace("\n  ", "") == expected
    assert "37.4" in str(rows[2].cells_html) and "O&#x27;Neil" in str(rows[0].cells_html)


def test_lists_read_through_a_statement_compiled_once_match_the_orm_and_show_new_entries(ready):
    """The screen's lists run SQL compiled on the first read: the same rows, fields and order
    as the ORM's own read, the session set on each, and an entry saved since shows at once."""
    from django.forms.models import model_to_dict

    from sessions.models import AdverseEvent, Observation

    session = ready.session
    ready.dose()
    ready.vitals(session, ready.dose_at + timedelta(minutes=20), systolic=185)
    session_screen(session, ready.prescriber)  # compiles the statements
    ready.vitals(session, ready.dose_at + timedelta(minutes=40))
    with CaptureQueriesContext(connection) as ctx:
        data = session_screen(session, ready.prescriber)
    assert not any('FROM "dosing_dosingsession"' in q["sql"] for q in ctx.captured_queries)
    long_way = {
        "doses": list(session.administrations.all()),
        "vitals": list(VitalSigns.entries.filter(session=session)),
        "observations": list(Observation.entries.filter(session=session)),
        "alerts": list(session.alerts.all()),
        "events": list(AdverseEvent.entries.filter(session=session)),
        "overrides": list(session.overrides.all()),
        "addenda": list(session.addenda.all()),
    }
    quick = {
        "doses": data["doses"],
        "vitals": [row.reading for row in data["vitals_rows"]],
        "observations": data["observations"],
        "alerts": data["open_alerts"] + data["acknowledged_alerts"],
        "events": data["events"],
        "overrides": data["overrides"],
        "addenda": data["addenda"],
    }
    assert len(long_way["vitals"]) == 3 and long_way["alerts"]
    for name, rows in long_way.items():
        assert [model_to_dict(r) for r in quick[name]] == [model_to_dict(r) for r in rows], name
        assert all(row.session is session for row in quick[name])
