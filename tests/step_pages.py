"""What every patient step page does with a half-answered questionnaire, checked the same way
for the intake wizard and the day-of check-in (both are the core's StepPageView)."""

from kapclinic.measures.models import QuestionnaireResponse

# GAD-7 items 1 and 2 answered, 3 to 7 left blank.
HALF_FILLED_GAD7 = {"q1": "2", "q2": "1"}


def assert_half_filled_gad7_kept(response, course):
    """The page comes back with items 3 to 7 named and linked, and the answers kept as a draft."""
    assert response.status_code == 200
    page = response.content.decode()
    for number in range(3, 8):
        assert f'href="#id_q{number}_0">question {number}</a>' in page
    assert "question 1<" not in page
    draft = QuestionnaireResponse.objects.get(course=course, instrument="gad7")
    assert draft.status == QuestionnaireResponse.Status.DRAFT
    assert draft.answers == {"q1": 2, "q2": 1}
    return page, draft


def after_refusal(client, response):
    """A refused step sends the browser back to itself (Post/Redirect/Get, so the browser's
    Back never sends it again): the page that then shows what was typed and its errors."""
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == response.wsgi_request.path
    return client.get(response["Location"])
