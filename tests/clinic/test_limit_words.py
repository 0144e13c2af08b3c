"""Every form with a bounded number speaks its limits in words (kapclinic/clinic/limit_words):
the field's name, its limits and unit. A sweep of the project's forms keeps new ones in line."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import get_resolver

from kapclinic.billing.forms import FeeLineForm
from kapclinic.clinic.limit_words import LimitsInWords
from kapclinic.stock.forms import ReceiveForm

OUR_PACKAGES = ("kapclinic.", "intake.", "sessions.", "integration.")


def every_form_class(cls=forms.Form):
    for sub in cls.__subclasses__():
        yield sub
        yield from every_form_class(sub)


def stock_range_message(field):
    """True when a bounded field would show Django's stock "Ensure this value…" words."""
    ranged = any(isinstance(v, MinValueValidator | MaxValueValidator) for v in field.validators)
    return ranged and not {"min_value", "max_value"} <= field.error_messages.keys()


def test_every_form_with_a_bounded_number_says_its_limits_in_words():
    assert get_resolver().url_patterns  # every view, so every form module, imported
    unworded = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in set(every_form_class())
        if cls.__module__.startswith(OUR_PACKAGES)
        and not issubclass(cls, LimitsInWords)
        and any(stock_range_message(field) for field in cls.base_fields.values())
    )
    assert not unworded, f"forms showing Django's stock range messages: {unworded}"


def test_stock_units_received_outside_its_range_say_so(world):
    clinic = world.one.clinic
    form = ReceiveForm(data={"units": "0"}, clinic_id=clinic.pk)
    assert form.errors["units"] == ["Units received: enter a number from 1 to 10000."]


def test_billing_units_above_the_most_say_so(world):
    form = FeeLineForm(data={"units": "1000"}, visits=[], schedule={})
    assert form.errors["units"] == ["Units: enter a number from 1 to 999."]


def test_the_protocol_admin_words_the_models_own_limits(world, rf, admin_user):
    """A value the model refuses (its validators, not the form's) is worded all the same."""
    from django.contrib.admin import site
    from django.forms.models import model_to_dict

    from kapclinic.clinic.admin.protocol import ProtocolAdmin
    from kapclinic.clinic.models import Protocol
    from tests.factories import signed_protocol

    protocol = signed_protocol(world.one.clinic)
    request = rf.get("/")
    request.user = admin_user
    form_class = ProtocolAdmin(Protocol, site).get_form(request, protocol)
    data = {
        name: value
        for name, value in model_to_dict(protocol, fields=form_class.base_fields).items()
        if value is not None
    }
    form = form_class(data={**data, "reevaluate_every_months": "99"}, instance=protocol)
    assert form.errors["reevaluate_every_months"] == [
        "Re-evaluate in maintenance every: enter a number from 1 to 24 months."
    ]
