"""Database rules (Meta constraints) that several records state alike, written once."""

from django.db import models
from django.db.models import Q


def closed_with_who_and_what(name, *, at, by, what):
    """Once the row is closed (`at` set), it names who closed it (`by`) and what was done
    (`what`, not empty): a resolved flag, an acknowledged alert, a closed task."""
    return models.CheckConstraint(
        condition=Q(**{f"{at}__isnull": True}) | (Q(**{f"{by}__isnull": False}) & ~Q(**{what: ""})),
        name=name,
    )


def both_or_neither(name, first, second):
    """Two fields that only mean something together: both set or both empty."""
    return models.CheckConstraint(
        condition=Q(**{f"{first}__isnull": True, f"{second}__isnull": True})
        | Q(**{f"{first}__isnull": False, f"{second}__isnull": False}),
        name=name,
    )
