"""The medical director's page to read a protocol version and sign it off with their password."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from .access import provider_for
from .forms import SignProtocolForm
from .mixins import StaffRequiredMixin
from .models import Protocol
from .models.protocol import NOT_CLINICAL
from .models.protocol_rules import is_medical_director_of
from .protocol_signing import sign_off


class SignProtocolView(StaffRequiredMixin, View):
    """Only the clinic's medical director reaches it; anyone else is told it is not there."""

    template_name = "clinic/sign_protocol.html"

    def get_protocol(self, request, pk):
        director = provider_for(request.user)
        if director is None or not is_medical_director_of(director, director.clinic_id):
            raise Http404("No protocol to sign here.")
        return get_object_or_404(
            Protocol.objects.select_related("clinic", "signed_off_by__user"),
            clinic_id=director.clinic_id,
            pk=pk,
        )

    def page(self, request, protocol, form, status=200):
        values = [
            (
                field.verbose_name,
                getattr(protocol, f"get_{field.name}_display")()
                if field.choices
                else getattr(protocol, field.attname),
            )
            for field in protocol._meta.concrete_fields
            if field.name not in NOT_CLINICAL
        ]
        context = {"protocol": protocol, "values": values, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        protocol = self.get_protocol(request, pk)
        return self.page(request, protocol, SignProtocolForm(initial={"version": protocol.version}))

    def post(self, request, pk):
        protocol = self.get_protocol(request, pk)
        form = SignProtocolForm(request.POST)
        if form.is_valid():
            try:
                sign_off(protocol, request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_model_errors(error)
            else:
                messages.success(request, f"Version {protocol.version} signed off: in force.")
                return redirect("clinic:sign-protocol", protocol.pk)
        return self.page(request, protocol, form, status=422)
