"""Queue background work from a request without ever failing the request.

The broker is the same Redis as the cache: while it is unreachable a task is not queued, the
outage is logged once (kapclinic.clinic.redis_outage), staff see that background work is
delayed, and the periodic reminder scan picks up what is recorded in the database once Redis
is back. In eager mode (the demo, tests) the task runs here; its failure is logged, not raised.
"""

import logging

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from .redis_outage import REDIS

log = logging.getLogger("kapclinic.outage")


def fail_fast_connection(app):
    """A broker connection that gives up at the first refusal: a request (or a scan) must not
    spend seconds retrying a broker that is down (measured: ~2 s with kombu's defaults)."""
    return app.connection_for_write(transport_options={"max_retries": 0})


def enqueue(task, *args):
    """Queue `task(*args)`; True if queued (or run eagerly), False if it must wait."""
    if task.app.conf.task_always_eager:
        try:
            task.apply(args=args, throw=True)
        except Exception:
            log.exception("Background task %s failed in process", task.name)
            return False
        return True
    if not REDIS.should_try():
        log.warning("Not queued while Redis is down: %s%s", task.name, args)
        return False
    try:
        with fail_fast_connection(task.app) as connection:
            task.apply_async(args=args, retry=False, connection=connection)
    except (BrokerError, RedisError, OSError) as error:
        REDIS.failed(error, f"queueing {task.name}")
        log.warning("Not queued while Redis is down: %s%s", task.name, args)
        return False
    return True


def enqueue_on_commit(task, *args):
    """Queue once the surrounding transaction commits; a failure never reaches the caller."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args), robust=True)
