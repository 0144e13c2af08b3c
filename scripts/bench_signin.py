"""The benchmark's sign-in, done for real over HTTP: allauth's own pages, cookies, CSRF, a TOTP
code read as a person reads it from their authenticator app.

The clinic takes a TOTP code only in its own 30-second window (MFA_TOTP_TOLERANCE = 0) and only
once: allauth marks a used code in the shared cache (Redis) for the rest of its window. So a
code read in the window's last seconds can reach the server after the window turned (the
first requests to a cold gunicorn worker load the URLs and templates), and a second sign-in
as the same prescriber in the same window (a second run, or a profiler started soon after)
holds a code already used. Both were refused as "incorrect code". Here the code is read as
tests/totp.py reads it, never in its last seconds; and a code refused anyway is replaced by
the next window's, once.
"""

import http.client
import re
import time
import urllib.parse

ERROR = re.compile(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>([^<]+)</li>')


class Browser:
    """Just enough of a browser for a real sign-in: cookies (secure ones too) and CSRF."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.getheader("Location", ""), content.decode(errors="ignore")

    def form(self, path, fields):
        status, _, html = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {path}: {status}, no form with a CSRF token")
        return self.request("POST", path, {"csrfmiddlewaretoken": token.group(1), **fields})


def sign_in(port, email, password, secret):
    """Password, then the authenticator's code: the session cookie of a real sign-in."""
    browser = Browser(port)
    status, location, _ = browser.form("/accounts/login/", {"login": email, "password": password})
    if status != 302:
        raise RuntimeError(f"Sign-in refused ({status}).")
    if "2fa" in location:
        enter_code(browser, urllib.parse.urlparse(location).path, secret)
    status, _, _ = browser.request("GET", "/caseload/")
    if status != 200:
        raise RuntimeError(f"Signed in, but the caseload answered {status}.")
    return browser


def enter_code(browser, path, secret):
    """The TOTP step. A refused code was most likely used already in this window by another
    sign-in as this prescriber: the next window brings a new one."""
    from tests.totp import PERIOD, fresh_totp_code

    for attempt in range(2):
        if attempt:
            time.sleep(PERIOD - time.time() % PERIOD + 0.2)
        code = fresh_totp_code(secret)
        left = PERIOD - time.time() % PERIOD
        status, _, html = browser.form(path, {"code": code})
        if status == 302:
            return
    error = ERROR.search(html)
    raise RuntimeError(
        f"The TOTP step refused the code twice ({status}: "
        f"{error.group(1).strip() if error else 'no message'}; the last one read with "
        f"{left:.0f} s of its window left). Does the enrolled authenticator's secret match?"
    )


def caseload_search(browser, q):
    """A caseload search's URL: the text is POSTed once, as the search form does, and the URL
    it redirects to carries only this session's token for it (no patient names in URLs)."""
    status, location, _ = browser.form("/caseload/", {"q": q})
    if status != 303 or "search=" not in location:
        raise RuntimeError(f"The caseload search answered {status} {location!r}.")
    parts = urllib.parse.urlparse(location)
    return f"{parts.path}?{parts.query}"
