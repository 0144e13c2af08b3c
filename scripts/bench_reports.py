#!/usr/bin/env python
"""Benchmark the course summary PDF. A measurement, not a test: nothing fails.

    .venv/bin/python scripts/bench_reports.py [--runs 7] [--sessions 6] [--vitals 72]
        [--measures 30]

Builds, in a throw-away SQLite database (deleted at the end), one course through the real
services: `--sessions` dosing sessions (each checked in, dosed with a booster, watched,
discharged, signed, followed by a signed integration note), `--vitals` readings in all and
`--measures` extra PHQ-9 scores. Then renders its course summary `--runs` times and prints
the median, split into the database reads and HTML (context and template) and WeasyPrint
itself (layout, then write_pdf). The whole report runs WeasyPrint in a limited child process
(kapclinic/reports/sandbox.py); the split steps run in this process, so the difference between
"whole report" and "the same steps in process" is what the child costs.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench_setup import use_project

use_project()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--sessions",
        type=int,
        default=6,
        help="at most the signed plan's sessions (6): more needs a re-evaluation first",
    )
    parser.add_argument("--vitals", type=int, default=72, help="readings over all sessions")
    parser.add_argument("--measures", type=int, default=30, help="PHQ-9 follow-up scores")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="kap-bench-reports-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    print("Migrating a throw-away SQLite database…", flush=True)
    call_command("migrate", verbosity=0)
    try:
        run(args)
    finally:
        Path(folder, "bench.sqlite3").unlink(missing_ok=True)
        os.rmdir(folder)


def build_course(args):
    """One course with the data the summary reads, through the real services."""
    from kapclinic.demo.builder import Team, whole_course
    from tests.conftest import _clinic_world

    per_session = max(1, args.vitals // args.sessions - 1)  # plus the baseline reading
    profile = tuple((15 + 20 * i, 120 + (17 * i) % 60) for i in range(per_session))
    team = Team.of(_clinic_world("Benchmark clinic"))
    whole_course(team, sessions=args.sessions, measures=args.measures, vitals=profile)
    return team.course


def run(args):
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from weasyprint import CSS, HTML

    from kapclinic.measures.models import QuestionnaireResponse
    from kapclinic.reports import course_summary
    from kapclinic.reports.fetcher import REPORT_BASE_URL, StaticOnlyFetcher
    from kapclinic.reports.kinds import KINDS
    from kapclinic.reports.render import STYLESHEETS, page_size_css, stylesheet_text
    from sessions.models import VitalSigns

    started = time.perf_counter()
    course = build_course(args)
    print(
        f"Built the course in {time.perf_counter() - started:.1f} s: "
        f"{course.dosing_sessions.count()} dosing sessions, "
        f"{VitalSigns.objects.filter(session__course=course).count()} vitals rows, "
        f"{QuestionnaireResponse.objects.filter(course=course).count()} questionnaire scores."
    )
    course = course_summary.records().get(pk=course.pk)
    KINDS["course"].render(course, generated_by="bench")  # warm caches (fonts, templates)

    totals, reads, html_times, layouts, writes, queries, pages = [], [], [], [], [], [], []
    for _ in range(args.runs):
        begin = time.perf_counter()
        report = KINDS["course"].render(course, generated_by="bench")
        totals.append(time.perf_counter() - begin)

        # The same steps as render_pdf, timed one by one.
        with timezone.override(course.clinic.tz):
            begin = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                context = course_summary.build_context(course, generated_by="bench")
            reads.append(time.perf_counter() - begin)
            queries.append(len(ctx.captured_queries))
            begin = time.perf_counter()
            html = render_to_string(
                course_summary.TEMPLATE,
                {**context, "report_title": "Course summary", "report_author": "bench"},
            )
            html_times.append(time.perf_counter() - begin)
        fetcher = StaticOnlyFetcher()
        begin = time.perf_counter()
        sheets = [
            CSS(string=stylesheet_text(n), base_url=REPORT_BASE_URL, url_fetcher=fetcher)
            for n in STYLESHEETS
        ]
        sheets.append(CSS(string=page_size_css(), url_fetcher=fetcher))
        document = HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=fetcher).render(
            stylesheets=sheets
        )
        layouts.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        document.write_pdf()
        writes.append(time.perf_counter() - begin)
        pages.append(len(document.pages))

    def ms(values):
        return f"{statistics.median(values) * 1000:7.0f} ms"

    weasy = [a + b for a, b in zip(layouts, writes, strict=True)]
    print(
        f"\nCourse summary, median of {args.runs} renders ({pages[0]} pages, "
        f"{len(report.pdf) // 1024} KB, {queries[0]} queries):"
    )
    in_process = [sum(step) for step in zip(reads, html_times, layouts, writes, strict=True)]
    print(f"  whole report (render, child)   {ms(totals)}")
    print(f"  the same steps in process      {ms(in_process)}")
    print(f"  reads + charts (build_context) {ms(reads)}")
    print(f"  HTML template                  {ms(html_times)}")
    print(f"  WeasyPrint layout (render)     {ms(layouts)}")
    print(f"  WeasyPrint write_pdf           {ms(writes)}")
    print(
        f"  WeasyPrint in all              {ms(weasy)} "
        f"({statistics.median(weasy) / statistics.median(totals):.0%} of the whole)"
    )


if __name__ == "__main__":
    main()
