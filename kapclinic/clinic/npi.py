"""The US National Provider Identifier: ten digits, the last a Luhn check digit.

Per the NPI standard (CMS, 45 CFR 162.406) the check digit is computed with the Luhn
formula over the first nine digits prefixed by the card-issuer prefix 80840, so a typo in an
NPI printed on a superbill is caught when it is entered.
"""

from django.core.exceptions import ValidationError

PREFIX = "80840"


def luhn_check_digit(digits):
    """The Luhn check digit for a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # every second digit from the right, starting with the last
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_npi(value):
    value = value or ""
    return (
        len(value) == 10
        and value.isascii()
        and value.isdigit()
        and luhn_check_digit(PREFIX + value[:9]) == value[9]
    )


def validate_npi(value):
    if not is_valid_npi(value):
        raise ValidationError(
            "An NPI is 10 digits and its last digit must match the check digit; "
            "please check the number.",
            code="invalid_npi",
        )
