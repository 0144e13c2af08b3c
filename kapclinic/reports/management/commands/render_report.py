"""Render one report to a PDF file from the server, audit-logged like a download."""

import getpass
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kapclinic.clinic.access import is_staff_member
from kapclinic.reports.kinds import KINDS, produce, signer_label
from kapclinic.reports.render import PAGE_SIZES, ReportUnavailable
from kapclinic.reports.sandbox import RenderStopped


class Command(BaseCommand):
    help = (
        "Render a report to PDF, e.g. "
        "`render_report --kind assessment --id 12 --output assessment.pdf`. "
        "The copy is recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="Which report.")
        parser.add_argument(
            "--id", required=True, type=int, dest="pk", help="Id of the record it reports on."
        )
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument(
            "--page-size", choices=sorted(PAGE_SIZES), help="Default: REPORT_PAGE_SIZE."
        )
        parser.add_argument(
            "--by",
            metavar="EMAIL",
            help="The staff login taking the copy (recorded in the audit trail and the footer). "
            "Without it, the operating-system user is recorded.",
        )

    def handle(self, *, kind, pk, output, page_size, by, **options):
        report_kind = KINDS[kind]
        user, generated_by, actor_label = self.actor(by)
        objects = report_kind.objects()
        if user is not None:
            # A named login takes only the copies it could download from the chart.
            objects = objects.visible_to(user)
        obj = objects.filter(pk=pk).first()
        if obj is None:
            whose = f" that {by} may see" if user is not None else ""
            raise CommandError(f"There is no {report_kind.subject}{whose} with id {pk}.")
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        started = time.perf_counter()
        try:
            report = produce(
                report_kind,
                obj,
                by=user,
                generated_by=generated_by,
                channel="command line",
                page_size=page_size,
                actor_label=actor_label,
            )
        except ReportUnavailable as error:
            raise CommandError(str(error)) from error
        except RenderStopped as stopped:
            raise CommandError(
                f"The {report_kind.label} report could not be produced: {stopped}. "
                "Limits: REPORT_RENDER_TIMEOUT_SECONDS, REPORT_RENDER_MEMORY_MB."
            ) from stopped
        target.write_bytes(report.pdf)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {target} ({len(report.pdf) // 1024} KB) in {elapsed:.1f} s: {report.title}"
            )
        )

    def actor(self, email):
        """(user, name shown in the footer, audit label) for whoever runs the command."""
        if email:
            user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if user is None or not is_staff_member(user):
                raise CommandError(f"No active clinic staff login with the email {email}.")
            return user, signer_label(user), None
        who = f"command line ({getpass.getuser()})"
        return None, who, who
