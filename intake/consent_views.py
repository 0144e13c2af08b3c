"""The patient's consents on their phone: sign a version in effect, see and withdraw theirs.

Every page works on the signed-in patient's own course; staff are refused (403) and another
patient's signature is not there (404). Signing and withdrawing go through intake.consent.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.clinic.models import JourneyError

from . import consent
from .forms import SignConsentForm, WithdrawConsentForm
from .models import ConsentSignature
from .views import PatientIntakeMixin

# The patient's current course, found the same way as in the intake wizard.
PatientConsentMixin = PatientIntakeMixin


class MyConsentsView(PatientConsentMixin, View):
    """What the patient has signed (with the PDF), what is still to sign, and withdrawal."""

    def get(self, request):
        course = self.current_course()
        signatures = list(
            ConsentSignature.objects.visible_to(request.user)
            .filter(course=course)
            .select_related("document", "withdrawal")
            .order_by("-signed_at", "-pk")
        )
        latest = {}
        for signature in signatures:
            latest.setdefault(signature.document.kind, signature.pk)
        for signature in signatures:
            signature.may_withdraw = (
                latest[signature.document.kind] == signature.pk
                and consent.withdrawal_of(signature) is None
            )
        due = consent.consents_due(course)
        return render(
            request,
            "intake/consents.html",
            {"course": course, "signatures": signatures, "due": due},
        )


class SignConsentView(PatientConsentMixin, View):
    """One version in effect: what changed since the patient's version, the text, the form."""

    template_name = "intake/sign_consent.html"

    def setup_page(self, pk):
        self.course = self.current_course()
        try:
            self.document = consent.signable_document(self.course, pk)
        except JourneyError as error:
            raise Http404(str(error)) from error
        rows = consent.consent_status(self.course, required_only=False)
        self.row = next((row for row in rows if row.document.pk == self.document.pk), None)

    def render_page(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "course": self.course,
                "document": self.document,
                "row": self.row,
                "form": form,
                "today": timezone.localdate(timezone=self.course.clinic.tz),
            },
            status=status,
        )

    def already_signed(self):
        """This very version is signed and not withdrawn: nothing to sign again."""
        signature = self.row.signature if self.row else None
        if signature and signature.document_id == self.document.pk and not self.row.withdrawn:
            messages.info(self.request, f"You have already signed {self.document}.")
            return redirect("intake:consents")
        return None

    def get(self, request, pk):
        self.setup_page(pk)
        if (response := self.already_signed()) is not None:
            return response
        return self.render_page(SignConsentForm(legal_name=self.course.patient.legal_name))

    def post(self, request, pk):
        self.setup_page(pk)
        if (response := self.already_signed()) is not None:
            return response
        form = SignConsentForm(request.POST, legal_name=self.course.patient.legal_name)
        if not form.is_valid():
            return self.render_page(form)
        try:
            consent.sign_consent(
                self.course,
                self.document,
                by=request.user,
                signed_name=form.cleaned_data["signed_name"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except JourneyError as error:
            form.add_error(None, str(error))
            return self.render_page(form)
        except ValidationError as error:  # the service's own words, beside the field
            form.add_error(None, error)
            return self.render_page(form)
        messages.success(request, f"Thank you: you signed {self.document}.")
        return redirect("clinic:my-journey")


def withdrawn_message(document):
    """What the patient is told: a consent dosing needs stops dosing; another does not."""
    if document.required_before_dosing:
        return (
            "Your consent is withdrawn. No further doses will be given, and your care team has "
            "been told and will contact you."
        )
    return "Your consent is withdrawn. Your treatment is not affected."


class WithdrawConsentView(PatientConsentMixin, View):
    """The patient withdraws one of their signed consents, with an optional reason."""

    template_name = "intake/withdraw_consent.html"

    def get_signature(self, pk):
        return get_object_or_404(
            ConsentSignature.objects.visible_to(self.request.user)
            .filter(course__patient=self.patient)
            .select_related("document", "course__patient"),
            pk=pk,
        )

    def get(self, request, pk):
        signature = self.get_signature(pk)
        return render(
            request,
            self.template_name,
            {"signature": signature, "form": WithdrawConsentForm()},
        )

    def post(self, request, pk):
        signature = self.get_signature(pk)
        form = WithdrawConsentForm(request.POST)
        if form.is_valid():
            try:
                consent.withdraw_consent(
                    signature,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    ip_address=request.META.get("REMOTE_ADDR"),
                )
            except consent.AlreadyWithdrawn:
                # Where the first one took them; its message is already on its way.
                return redirect("intake:consents")
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.info(request, withdrawn_message(signature.document))
                return redirect("intake:consents")
        return render(request, self.template_name, {"signature": signature, "form": form})
