"""A new member of staff opens their sign-in invitation and chooses their own password."""

from django.contrib import messages
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.urls import reverse_lazy

from kapclinic.audit.trail import CHANGE, audit

from .models import Provider
from .staff_invitations import EXPIRED, TOKENS


class StaffWelcomeView(PasswordResetConfirmView):
    """Django's reset page on the invitation's own tokens: the token leaves the address at
    once (kept in the session), the site's password rules apply, and nobody is signed in:
    the person signs in next, then sets up their authenticator like all staff."""

    template_name = "clinic/staff_welcome.html"
    token_generator = TOKENS
    success_url = reverse_lazy("account_login")
    title = "Choose your password"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Only a login of staff still with their clinic: never a patient's, never a leaver's.
        if user is None or not user.is_active:
            return None
        self.provider = Provider.objects.select_related("clinic").filter(user=user).first()
        return user if self.provider is not None and self.provider.active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        audit(self.user, None, "chose their password from their sign-in invitation", CHANGE)
        messages.success(
            self.request,
            "Your password is set. Sign in with it; you will then set up an authenticator app.",
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.validlink:
            token = self.kwargs["token"]
            if token == self.reset_url_token:
                token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN)
            # "Expired" only for a link that was genuine: a guessed one learns nothing.
            expired = self.user is not None and TOKENS.state(self.user, token) == EXPIRED
            context |= {"expired": expired, "clinic": self.provider.clinic if expired else None}
        return context

    def render_to_response(self, context, **kwargs):
        if not self.validlink:
            kwargs["status"] = 410 if context["expired"] else 404
        return super().render_to_response(context, **kwargs)
