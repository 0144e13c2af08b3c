"""The feed page's one form: which of create, replace or revoke the clinician asked for."""

from django import forms


class FeedActionForm(forms.Form):
    CREATE, REPLACE, REVOKE = "create", "replace", "revoke"

    action = forms.ChoiceField(
        choices=[
            (CREATE, "Create my feed"),
            (REPLACE, "Replace the address"),
            (REVOKE, "Revoke the address"),
        ]
    )
