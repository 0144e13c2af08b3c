"""Render once per version: the HTML of a record that never changes, kept in the cache.

A signed or frozen record (an intake submission, a signed session) shows the same HTML to
everyone allowed to see it, so its fragment is rendered once and reused from the cache (Redis
in production, the local-memory cache in the demo). The key names the fragment, the template
text that draws it and the code that works it out, and the record's identity and version
(its primary key with a version, a content hash or a last-change stamp, and a time it was
written, so a row restored from a backup under a reused id can never match another's
fragment): a new version is a new key, so an edit or an addendum shows at once and nothing is
ever invalidated by time alone (the timeout only returns memory).

What a fragment may hold: the record's own words and numbers, the same for every reader.
Never a form, a CSRF token, a per-user link or permission-dependent text. Reads happen only
after the page's access check, as every page renders after it; the key holds the record's
identity, so one patient's fragment can never answer for another's.
"""

import hashlib
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import mark_safe

PREFIX = "fragment"
# Counted by the tests (a reused fragment is not rendered again).
renders = {"count": 0}


@once
def code_version():
    """A digest of the project's Python files and templates (names, sizes, change times), read
    once per process: a deployment that changes how a fragment is worked out, or a template it
    includes, draws it afresh."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    packages = [p for p in root.iterdir() if (p / "__init__.py").exists() and p.name != "tests"]
    files = [path for package in packages for path in package.rglob("*.py")]
    files += list((root / "templates").rglob("*.html"))
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def fragment_key(name, source_hash, parts):
    identity = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:32]
    return f"{PREFIX}:{name}:{code_version()}:{source_hash}:{identity}"


def cached_fragment(key, render):
    """The HTML kept under `key`, or `render()`'s, kept for next time."""
    html = cache.get(key)
    if html is None:
        renders["count"] += 1
        html = render()
        cache.set(key, html, settings.KAP_FRAGMENT_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308  rendered by our own (autoescaping) template
