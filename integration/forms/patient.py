"""The patient's phase-3 form: a journal entry, with an optional prompt and dosing session.

The form only parses what was typed; integration.journal decides what an entry may be. The
text is kept exactly as written (no stripping) up to its length limit, and shown escaped.
"""

from django import forms
from django.utils import timezone

from kapclinic.clinic.text_limits import JOURNAL_ENTRY, too_long_message

from ..models import JournalPrompt

PROMPT_GONE = "Your clinic no longer offers that prompt. Choose another, or write freely."
SESSION_GONE = "Choose one of your dosing sessions from the list."


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session):
        local = timezone.localtime(session.started_at)
        return f"Dosing session on {local:%A} {local.day} {local:%B %Y}"


class JournalEntryForm(forms.Form):
    error_css_class = "form-field--error"

    prompt = forms.ModelChoiceField(
        queryset=JournalPrompt.objects.none(),
        required=False,
        empty_label="Write freely, without a prompt",
        widget=forms.RadioSelect,
        blank=True,  # offer "write freely" as a choice of its own
        label="Start from a question (optional)",
        error_messages={"invalid_choice": PROMPT_GONE},
    )
    body = forms.CharField(
        label="Your entry",
        strip=False,
        max_length=JOURNAL_ENTRY,
        help_text=f"Up to {JOURNAL_ENTRY:,} characters.",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": "Write something before saving the entry.",
            "max_length": too_long_message(JOURNAL_ENTRY),
        },
    )
    dosing_session = SessionChoiceField(
        queryset=None,
        required=False,
        empty_label="Not about a particular session",
        label="Is this about one of your dosing sessions? (optional)",
        error_messages={"invalid_choice": SESSION_GONE},
    )
    share = forms.BooleanField(
        required=False,
        label="Share this entry with my care team",
        help_text="Leave this unticked to keep the entry private: only you can see it. "
        "You can share or unshare it later.",
    )

    def __init__(self, *args, prompts, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prompt"].queryset = prompts
        self.fields["dosing_session"].queryset = sessions

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before saving the entry.")
        return body
