"""The code an authenticator app shows, read as a person would: never in its last seconds.

The clinic accepts only the current 30-second window (MFA_TOTP_TOLERANCE = 0). A code read just
before the window turns can reach the server after it has, and is refused; on a loaded CI
machine that happened to a browser test's sign-in. So wait for the next window first.
"""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PERIOD = 30  # seconds, allauth's default MFA_TOTP_PERIOD
MARGIN = 8  # seconds a sign-in may take from reading the code to the server checking it


def fresh_totp_code(secret):
    left = PERIOD - time.time() % PERIOD
    if left < MARGIN:
        time.sleep(left + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // PERIOD))
