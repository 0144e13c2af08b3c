"""Check (or rebuild) the kept outcome facts of completed courses against their scores."""

from django.core.management.base import BaseCommand, CommandError

from integration import course_outcome


class Command(BaseCommand):
    help = (
        "Compare each completed course's kept baseline and latest scores (the dashboard's "
        "source) with a full recomputation; --rebuild writes them again first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute every course.")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            rows = course_outcome.rebuild()
            self.stdout.write(f"Rebuilt {rows} course outcome rows.")
        wrong = course_outcome.differences()
        for course_id, instrument, kept, now in wrong[:20]:
            self.stdout.write(f"course {course_id} {instrument}: kept {kept}, scores say {now}")
        if wrong:
            raise CommandError(f"{len(wrong)} kept course outcomes differ from the scores.")
        self.stdout.write("Every completed course's kept outcome matches its scores.")
