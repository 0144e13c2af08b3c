"""A record's link to one stored questionnaire response, declared the same way everywhere."""

from django.db import models

from .models import QuestionnaireResponse


def response_of(instrument, purpose, *, link=models.ForeignKey):
    """An optional response of `instrument` given for `purpose` (a check-in's GAD-7, say).

    The response is kept while the record points to it; the admin offers only responses of
    that instrument and purpose.
    """
    return link(
        QuestionnaireResponse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"instrument": instrument, "purpose": purpose},
    )
