"""Free text on the dosing session and the safety records has a limit that suits each field
(issue 18): the service refuses more with a plain message beside the field, the form draws the
limit for the counter, and the model keeps it for the admin and every service that cleans."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kapclinic.clinic.models import EmergencyAccess, SafetyFlag
from kapclinic.clinic.text_limits import CLINICAL_TEXT, SHORT_REASON
from sessions import services
from sessions.forms.session import AddendumForm, AdverseEventForm, ObservationForm

pytestmark = pytest.mark.django_db

EVENT = {"kind": "other", "severity": "mild", "outcome": "resolved", "relatedness": "possible"}


def test_an_adverse_event_description_over_its_limit_is_refused_beside_the_field(ready):
    with pytest.raises(ValidationError) as refused:
        services.record_adverse_event(
            ready.session, ready.nurse, {**EVENT, "description": "x" * (SHORT_REASON + 1)}
        )
    assert "up to 4,000 characters" in refused.value.message_dict["description"][0]
    event = services.record_adverse_event(
        ready.session,
        ready.nurse,
        {**EVENT, "description": "x" * SHORT_REASON, "onset_at": timezone.now()},
    )
    assert len(event.description) == SHORT_REASON


def test_observation_notes_over_their_limit_are_refused(ready):
    with pytest.raises(ValidationError) as refused:
        services.record_observation(
            ready.session,
            ready.nurse,
            {"moaas": 5, "dissociation": "none", "support_notes": "y" * (CLINICAL_TEXT + 1)},
        )
    assert "support_notes" in refused.value.message_dict


@pytest.mark.parametrize(
    ("form", "field", "limit"),
    [
        (AdverseEventForm, "description", SHORT_REASON),
        (AdverseEventForm, "intervention", SHORT_REASON),
        (ObservationForm, "dissociation_notes", CLINICAL_TEXT),
        (AddendumForm, "text", CLINICAL_TEXT),
    ],
)
def test_the_session_forms_draw_the_limit_for_the_counter(form, field, limit):
    html = str(form.base_fields[field].widget.render(field, "", {"maxlength": limit}))
    assert f'maxlength="{limit}"' in html
    assert form.base_fields[field].max_length == limit


@pytest.mark.parametrize(
    ("model", "field"), [(SafetyFlag, "action_taken"), (EmergencyAccess, "reason")]
)
def test_safety_records_keep_the_limit_for_every_writer(model, field):
    model_field = model._meta.get_field(field)
    with pytest.raises(ValidationError, match="up to 4,000 characters"):
        model_field.clean("z" * (SHORT_REASON + 1), None)
    assert model_field.clean("z" * SHORT_REASON, None)
