#!/usr/bin/env python3
"""Back up and restore the clinic's PostgreSQL database (`make backup`, `make restore`).

    scripts/pg_backup.py backup [--dir var/backups]
    scripts/pg_backup.py restore FILE [--database NAME] [--force]

Both read DATABASE_URL. A backup is one pg_dump in custom format,
`<dir>/kapclinic-<UTC timestamp>.dump`, readable by its owner only (it holds health records).
A restore goes into the database of DATABASE_URL, or `--database NAME` on the same server
(created when missing), and refuses a database that already holds tables unless `--force`.
Standard library only, so it runs wherever python3 and the PostgreSQL client tools do; the
password travels in the environment (PGPASSWORD), never on a command line.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "var" / "backups"
MAINTENANCE_DB = "postgres"


class Refused(Exception):
    """A plain sentence for the operator; the script exits 1 with it."""


def database_url():
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'db.sqlite3'}"


def pg_env(url, database=None):
    """libpq environment for `url`, optionally naming another database on the same server."""
    parts = urlsplit(url)
    env = dict(os.environ)
    for key in ("PGSERVICE", "PGDATABASE"):
        env.pop(key, None)
    env.update(
        PGHOST=unquote(parts.hostname or "localhost"),
        PGPORT=str(parts.port or 5432),
        PGDATABASE=database or unquote(parts.path.lstrip("/")),
    )
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env


def is_postgres(url):
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise Refused(f"{name} is not installed (Debian: apt-get install postgresql-client-15).")
    return path


def psql(env, sql):
    """One SQL statement's single value, or None."""
    done = subprocess.run(  # noqa: S603  PostgreSQL's own tool, arguments as a list
        [tool("psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise Refused(f"psql on {env['PGDATABASE']!r} failed: {done.stderr.strip()}")
    return done.stdout.strip() or None


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


def backup(args):
    url = database_url()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if not is_postgres(url):
        return backup_sqlite(url, folder, stamp)
    env = pg_env(url)
    target = folder / f"kapclinic-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    started = time.monotonic()
    old_umask = os.umask(0o077)  # the dump is health data: owner only, from the first byte
    try:
        done = subprocess.run(  # noqa: S603  PostgreSQL's own tool, arguments as a list
            [tool("pg_dump"), "--format=custom", "--compress=6", f"--file={partial}"],
            env=env,
        )
    finally:
        os.umask(old_umask)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise Refused(f"pg_dump of {env['PGDATABASE']!r} failed (exit {done.returncode}).")
    partial.rename(target)  # a file with the final name is always a whole dump
    size = target.stat().st_size
    print(
        f"Backed up {env['PGDATABASE']!r} on {env['PGHOST']}:{env['PGPORT']} to {target} "
        f"({size / 1024:.0f} KiB) in {time.monotonic() - started:.1f} s."
    )
    print("It holds health records: encrypt it and keep a copy off this host.")
    return 0


def backup_sqlite(url, folder, stamp):
    """The demo's SQLite file: a consistent copy (SQLite's online backup), not pg_dump."""
    source = Path(unquote(urlsplit(url).path))
    if not source.is_file():
        raise Refused(f"DATABASE_URL names SQLite file {source}, which does not exist.")
    target = folder / f"kapclinic-{stamp}.sqlite3"
    old_umask = os.umask(0o077)
    try:
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
    finally:
        os.umask(old_umask)
    print(f"DATABASE_URL is SQLite (the demo): copied {source} to {target}.")
    print(f"To restore it, stop the server and copy it back: cp {target} {source}")
    return 0


def restore(args):
    url = database_url()
    if not is_postgres(url):
        raise Refused(
            "DATABASE_URL is SQLite (the demo): restore by copying a backup over the file, "
            "e.g. `cp var/backups/kapclinic-<time>.sqlite3 db.sqlite3`, with the server stopped."
        )
    dump = Path(args.file)
    if not dump.is_file():
        raise Refused(f"There is no backup file {dump}.")
    listed = subprocess.run(  # noqa: S603  PostgreSQL's own tool, arguments as a list
        [tool("pg_restore"), "--list", str(dump)], capture_output=True
    )
    if listed.returncode != 0:
        raise Refused(f"{dump} is not a pg_dump custom-format file.")
    env = pg_env(url, args.database)
    name = env["PGDATABASE"]
    create_if_missing(url, name)
    tables = psql(
        env,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%'",
    )
    if int(tables or 0) and not args.force:
        raise Refused(
            f"Database {name!r} is not empty ({tables} tables, views or sequences). "
            "Restore into a new database (DB=<name>), or add FORCE=1 to replace what the backup "
            "holds in it."
        )
    command = [tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction", f"--dbname={name}"]
    if args.force:
        command += ["--clean", "--if-exists"]
    started = time.monotonic()
    done = subprocess.run([*command, str(dump)], env=env)  # noqa: S603  arguments as a list
    if done.returncode != 0:
        raise Refused(f"pg_restore into {name!r} failed (exit {done.returncode}); nothing changed.")
    print(
        f"Restored {dump} into {name!r} on {env['PGHOST']}:{env['PGPORT']} "
        f"in {time.monotonic() - started:.1f} s."
    )
    return 0


def create_if_missing(url, name):
    maintenance = pg_env(url, MAINTENANCE_DB)
    query = f"SELECT 1 FROM pg_database WHERE datname = {quote_literal(name)}"  # noqa: S608
    exists = psql(maintenance, query)
    if not exists:
        psql(maintenance, f"CREATE DATABASE {quote_ident(name)}")
        print(f"Created database {name!r}.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("backup", help="pg_dump DATABASE_URL to a timestamped file")
    take.add_argument("--dir", default=str(DEFAULT_DIR), help="default: var/backups")
    put = commands.add_parser("restore", help="pg_restore FILE into a database")
    put.add_argument("file", help="a kapclinic-<time>.dump written by backup")
    put.add_argument("--database", help="target database on DATABASE_URL's server")
    put.add_argument("--force", action="store_true", help="restore into a non-empty database")
    args = parser.parse_args(argv)
    try:
        return backup(args) if args.command == "backup" else restore(args)
    except Refused as refusal:
        print(f"{args.command}: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
