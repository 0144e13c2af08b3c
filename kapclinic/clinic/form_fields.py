"""Form fields the phases' pages declare alike, written once so they stay alike."""

from django import forms


def written(label, max_length, *, rows, required=False, **kwargs):
    """A free-text answer in a box `rows` lines high (optional unless said otherwise)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def signature_password():
    """The signer's own password typed again: a signature (a sign-off, a finding resolved)."""
    return forms.CharField(
        label="Your password (signature)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def phone_input():
    """A phone number box: opens the phone's number pad and offers the number it knows."""
    return forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
