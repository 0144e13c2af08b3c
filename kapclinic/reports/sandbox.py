"""WeasyPrint runs in a child process with a wall-clock limit and a memory limit.

Reports carry patient free text, and layout cost grows with what the text and stylesheet ask
for: a hostile or accidental monster (a 5 MB note, a table nested a thousand deep, a rule that
multiplies boxes) must cost one failed report, never a hung or swollen web worker.

The child is a fork of the caller, which has Django and WeasyPrint loaded and its fonts warmed
(render.warm_up), so a render pays a fork (milliseconds), not a fresh interpreter, and runs
with the caller's settings. The child is given text and hands bytes back; it never touches the
database (it leaves with os._exit, so inherited connections are not even closed). If the
caller has other threads, a lock one of them held at the fork can leave the child stuck: that
costs one report, because the deadline below kills it like any other overrun.
"""

import gc
import multiprocessing
import resource
import time
import traceback

from django.conf import settings

MEBIBYTE = 1024 * 1024


class RenderStopped(Exception):
    """The child did not bring a PDF back: over a limit, out of memory, or crashed."""

    def __init__(self, reason, detail=""):
        self.reason = reason  # "time", "memory", "crashed" or "error"
        self.detail = detail
        super().__init__(f"Report rendering stopped ({reason}){': ' + detail if detail else ''}")


def limits():
    """(seconds, bytes) from REPORT_RENDER_TIMEOUT_SECONDS and REPORT_RENDER_MEMORY_MB."""
    return settings.REPORT_RENDER_TIMEOUT_SECONDS, settings.REPORT_RENDER_MEMORY_MB * MEBIBYTE


def address_space():
    """This process's virtual size in bytes: the child starts as big as its parent."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def run(function, *args):
    """`function(*args)` in a fresh child under the limits; its return value, or RenderStopped.

    `function` returns something picklable (the PDF's bytes): that is all that comes back.
    """
    seconds, memory = limits()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    ceiling = address_space() + memory  # what the render may add to what it inherits
    child = context.Process(
        target=_child, args=(send, seconds, ceiling, function, args), name="kap-report-render"
    )
    child.daemon = True
    started = time.monotonic()
    try:
        child.start()
    except OSError as error:  # no process to be had (fork refused): one failed report
        receive.close()
        send.close()
        raise RenderStopped("crashed", f"could not start the render process: {error}") from error
    send.close()  # the child holds the only writing end: its death means EOF here
    try:
        if not receive.poll(seconds):
            raise RenderStopped("time", f"no PDF after {seconds:g} s")
        try:
            status, payload = receive.recv()
        except EOFError:
            status, payload = None, ""
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
        exitcode = child.exitcode
        child.close()
    if status == "ok":
        return payload
    if status == "memory":
        raise RenderStopped("memory", f"over {memory // MEBIBYTE} MiB more than its parent")
    if status == "error":
        raise RenderStopped("error", payload)
    elapsed = time.monotonic() - started
    raise RenderStopped("crashed", f"child exited with {exitcode} after {elapsed:.1f} s")


def _child(send, seconds, ceiling, function, args):
    """In the child: cap memory, CPU time and core files, then run and send the result back."""
    # The parent's objects stay out of the collector's way: scanning them would copy every
    # page they live on (copy-on-write) for nothing.
    gc.freeze()
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    # A backstop if the parent is gone and nobody kills this child at the deadline.
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a core file would hold patient text
    try:
        result = ("ok", function(*args))
    except MemoryError:
        result = ("memory", "")
    except Exception:  # noqa: BLE001 - reported to the parent, which logs it
        result = ("error", traceback.format_exc(limit=-8)[-4000:])
    try:
        send.send(result)
    except MemoryError:
        send.send(("memory", ""))
    finally:
        send.close()
