"""The calendar's pages: a clinician's own feed (its page, and the feed itself)."""

import copy

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_safe

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.mixins import StaffRequiredMixin

from . import feeds
from .feed_forms import FeedActionForm

ACTIONS = {
    FeedActionForm.CREATE: feeds.create_feed,
    FeedActionForm.REPLACE: feeds.replace_feed,
    FeedActionForm.REVOKE: feeds.revoke_feed,
}


class MyFeedView(StaffRequiredMixin, View):
    """“My calendar feed”: create, replace or revoke the address; a new one is shown once."""

    template_name = "calendar/my_feed.html"

    def dispatch(self, request, *args, **kwargs):
        # Only a clinician has appointments of their own (a superuser holds no Provider).
        self.provider = provider_for(request.user)
        if request.user.is_authenticated and self.provider is None and request.user.is_superuser:
            raise Http404("You have no calendar of your own.")
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, *, form=None, token=None, error=None, status=200):
        feed = self.provider.calendar_feeds.live().first()
        url = request.build_absolute_uri(reverse("calendar:feed", args=[token])) if token else ""
        context = {
            "feed": feed,
            "form": form or FeedActionForm(),
            "url": url,
            "error": error,
            "actions": FeedActionForm,
        }
        response = render(request, self.template_name, context, status=status)
        response["Cache-Control"] = "no-store"  # the address is a secret: not in any cache
        return response

    def get(self, request):
        return self.page(request)

    def post(self, request):
        form = FeedActionForm(request.POST)
        if not form.is_valid():
            return self.page(request, form=form, status=400)
        try:
            result = ACTIONS[form.cleaned_data["action"]](self.provider, by=request.user)
        except feeds.FeedError as error:
            return self.page(request, form=form, error=str(error), status=422)
        token = result[1] if isinstance(result, tuple) else None
        return self.page(request, token=token)


@require_safe
def feed(request, token):
    """The feed a calendar app fetches: no sign-in, the secret in the address is the key."""
    found = feeds.feed_for_token(token)
    if found is None:
        raise Http404("No such calendar feed.")
    body, count = feeds.feed_calendar(found)
    # The trail records the fetch with the secret taken out of the address.
    origin = copy.copy(request)
    origin.path = request.path.replace(token, f"{found.token_prefix}…")
    feeds.record_fetch(found, origin, count)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kap-clinic.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
