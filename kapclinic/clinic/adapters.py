"""allauth adapter: no public sign-up (patients are invited, staff are created by admins)."""

from allauth.account.adapter import DefaultAccountAdapter


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False
