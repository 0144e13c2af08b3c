"""Caseload search (name, email, patient number) and pages of 25, in the clinic's own scope.

Searches are POSTed and kept in the session under a token: no patient's name or email is ever
in a URL (issue 9), so it never reaches access logs, proxy logs or browser history.
"""

import re

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.clinic.selectors import CASELOAD_SEARCHES, KEPT_SEARCHES
from tests.factories import CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db

CASELOAD = reverse("clinic:caseload")
# Every attribute of a page that holds a URL, or sends one (htmx).
URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|hx-(?:get|post|push-url))="([^"]*)"')


def search(client, q, **params):
    """POST the search form as a browser without htmx does; the URL it is sent on to."""
    response = client.post(CASELOAD, {"q": q, **params})
    assert response.status_code == 303
    return response["Location"]


def found(client, q, page=None, **params):
    url = search(client, q, **params)
    response = client.get(url + (f"&page={page}" if page else ""))
    assert response.status_code == 200
    return [course.patient for course in response.context["courses"]]


def test_search_finds_a_patient_by_name_email_or_number(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    target = world.one.patients[1]
    assert found(client, target.legal_name) == [target]
    assert found(client, target.email.upper()) == [target]
    assert found(client, str(target.pk)) == [target]
    assert found(client, f"#{target.pk}") == [target]


def test_search_by_number_never_reaches_another_clinic(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    other = world.two.patients[0]
    by_number = found(client, str(other.pk))  # may match digits in a clinic-one email
    assert other not in by_number
    assert {p.clinic_id for p in by_number} <= {world.one.clinic.pk}
    assert found(client, other.email) == []


def thirty_found(world, staff_client):
    """Thirty invited patients named alike, searched for: two pages of results."""
    for number in range(30):
        CourseFactory(
            patient=PatientFactory(clinic=world.one.clinic, legal_name=f"Quillfeather {number}")
        )
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    return client, search(client, "Quillfeather", stage="invited")


def test_the_caseload_pages_by_25_and_keeps_the_search_token_in_the_links(world, staff_client):
    client, url = thirty_found(world, staff_client)
    token = re.fullmatch(r"/caseload/\?search=([\w-]+)&stage=invited", url).group(1)
    first = client.get(url)
    assert len(first.context["courses"]) == 25
    body = first.content.decode()
    assert "Page 1 of 2" in body
    assert f"?search={token}&amp;stage=invited&amp;page=2" in body
    assert len(found(client, "Quillfeather", page=2, stage="invited")) == 5
    assert 'aria-describedby="caseload-q-hint"' in body
    assert 'value="Quillfeather"' in body  # the box still shows what was typed


def test_a_search_puts_no_name_or_email_in_any_url(world, staff_client):
    for number in range(30):
        CourseFactory(
            patient=PatientFactory(
                clinic=world.one.clinic,
                legal_name=f"Wrenhallow {number}",
                email=f"wrenhallow{number}@example.org",
            )
        )
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    for q, secret in (("Wrenhallow", "wrenhallow"), ("wrenhallow1@example.org", "wrenhallow")):
        location = search(client, q)
        assert secret not in location.lower()
        page = client.get(location)
        urls = URL_ATTRIBUTES.findall(page.content.decode())
        assert any("page=2" in url for url in urls) or q.endswith(".org")
        assert [url for url in urls if secret in url.lower()] == []
        # The live search answers the results at once and pushes the token URL, not the text.
        live = client.post(CASELOAD, {"q": q}, HTTP_HX_REQUEST="true")
        assert secret not in live["HX-Push-Url"].lower()
        assert live["HX-Push-Url"].startswith("/caseload/?search=")
        live_urls = URL_ATTRIBUTES.findall(live.content.decode())
        assert [url for url in live_urls if secret in url.lower()] == []
        assert client.get(live["HX-Push-Url"]).context["filters"].q == q


def test_a_name_in_a_get_url_no_longer_filters(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.get(CASELOAD, {"q": world.one.patients[0].legal_name})
    assert set(world.one.patients) <= {course.patient for course in response.context["courses"]}
    assert response.context["filters"].q == ""


def test_an_unknown_or_expired_token_shows_the_whole_caseload_with_a_notice(
    world, staff_client, second_client, enrol_mfa
):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    url = search(client, world.one.patients[0].legal_name)
    response = client.get(CASELOAD, {"search": "not-a-token"})
    assert set(world.one.patients) <= {course.patient for course in response.context["courses"]}
    assert "That search has expired" in response.content.decode()
    # A token is only good in the session that made it: a colleague's link shows them nothing.
    colleague = world.one.staff[Role.THERAPIST]
    enrol_mfa(colleague.user)
    second_client.force_login(colleague.user)
    shared = second_client.get(url)
    assert shared.context["filters"].q == ""
    assert "That search has expired" in shared.content.decode()
    assert "That search has expired" not in client.get(url).content.decode()


def test_the_session_keeps_only_the_latest_searches(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    first = search(client, "first search")
    assert search(client, "first search") == first  # the same text keeps its token
    for number in range(KEPT_SEARCHES):
        search(client, f"search {number}")
    assert len(client.session[CASELOAD_SEARCHES]) == KEPT_SEARCHES
    assert "That search has expired" in client.get(first).content.decode()
    assert client.get(search(client, "search 0")).context["filters"].q == "search 0"


def test_an_empty_search_sends_back_to_the_plain_caseload(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    assert search(client, "  ") == CASELOAD
    assert search(client, "", stage="completed") == CASELOAD + "?stage=completed"


def test_the_search_form_posts_with_csrf(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    body = client.get(CASELOAD).content.decode()
    form = re.search(r'<form[^>]*role="search"[^>]*>', body).group(0)
    assert 'method="post"' in form and 'hx-post="/caseload/"' in form
    assert "hx-get" not in form
    assert 'name="csrfmiddlewaretoken"' in body


def test_search_and_second_page_cost_no_more_queries_with_more_patients(world, staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(world.one.staff[Role.PRESCRIBER])
    urls = [search(client, "Quillfeather"), search(client, "Ash") + "&page=2", search(client, "7")]

    def count(url):
        # A request first: adding 90 patients can take over a minute on a loaded machine, and
        # the once-a-minute refresh of the session row and of the signed-in principal
        # (session_store.py, principal.py) is not the page's own cost.
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def grow(n):
        for number in range(n):
            name = f"Ash {number} {len(world.one.patients)}"
            CourseFactory(patient=PatientFactory(clinic=world.one.clinic, legal_name=name))

    grow(30)
    small = [count(url) for url in urls]
    grow(60)
    assert [count(url) for url in urls] == small


def test_a_refused_search_keeps_nothing_in_the_session(world, client):
    client.force_login(world.one.patients[0].user)
    name = world.one.patients[1].legal_name
    assert client.post(CASELOAD, {"q": name}).status_code == 403
    assert CASELOAD_SEARCHES not in client.session
    client.logout()
    response = client.post(CASELOAD, {"q": name})
    assert response.status_code == 302 and name not in response["Location"]
    assert CASELOAD_SEARCHES not in client.session


def test_a_caseload_page_reads_its_rows_and_the_total_in_one_query(world, staff_client):
    """The page count comes from the rows (COUNT(*) OVER ()); past the end is still a 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, url = thirty_found(world, staff_client)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url + "&page=2")
    assert "Page 2 of 2" in second.content.decode()
    assert len(second.context["courses"]) == 5
    assert sum("COUNT(*) OVER ()" in q["sql"] for q in queries.captured_queries) == 1
    assert not any('SELECT COUNT(*) AS "__count"' in q["sql"] for q in queries.captured_queries)
    assert client.get(url + "&page=3").status_code == 404
    assert client.get(url + "&page=last").context["page_obj"].number == 2
    empty = client.get(search(client, "No such patient anywhere"))
    assert empty.status_code == 200 and "No patients match" in empty.content.decode()
