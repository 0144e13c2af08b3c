"""The same form sent from several browsers at the same instant (real threads, real
transactions): what the duplicate-submission tests need to prove a form writes once."""

import threading

from django.db import connection


def post_at_once(clients, target, data):
    """POST `data` to `target` from every client at once; (status, body) per client, in order.

    A request that raised is reported as (None, repr(error)), never swallowed.
    """
    start = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def send(index):
        try:
            start.wait()
            response = clients[index].post(target, data)
            answers[index] = (response.status_code, response.content.decode())
        except Exception as error:  # noqa: BLE001 - reported to the test, never swallowed
            answers[index] = (None, repr(error))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers
