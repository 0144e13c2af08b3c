"""The same form sent from several browsers at the same instant (real threads, real
transactions): what the duplicate-submission tests need to prove a form writes once."""

import threading

from django.db import connection

from tests.conftest import CommittingClient


def at_once(work, count):
    """Run `work(index)` in `count` threads released at the same instant; each thread closes
    its own database connection. An exception in `work` is the test's to catch or report."""
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            work(index)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def signed_in_browsers(user, count):
    """`count` browsers signed in as `user`, each committing its own requests."""
    browsers = []
    for _ in range(count):
        browser = CommittingClient()
        browser.force_login(user)
        browsers.append(browser)
    return browsers


def post_at_once(clients, target, data):
    """POST `data` to `target` from every client at once; (status, body) per client, in order.

    A request that raised is reported as (None, repr(error)), never swallowed.
    """
    answers = [None] * len(clients)

    def send(index):
        try:
            response = clients[index].post(target, data)
            answers[index] = (response.status_code, response.content.decode())
        except Exception as error:  # noqa: BLE001 - reported to the test, never swallowed
            answers[index] = (None, repr(error))

    at_once(send, len(clients))
    return answers


def statuses(answers):
    """The status codes of `post_at_once`'s answers (the error, where a request raised)."""
    return [code or body for code, body in answers]
