"""How the tests read a protocol's refusal: the words full_clean() puts beside one field (the
monitoring minutes, the follow-up schedule, the outcome rules)."""

import pytest
from django.core.exceptions import ValidationError

from kapclinic.clinic.models import Protocol


def refusal_beside(clinic, field, value):
    """The words an unsaved protocol with `value` in `field` is refused with, beside `field`."""
    protocol = Protocol(clinic=clinic, name="Bad", **{field: value})
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    return str(error.value.message_dict[field])
