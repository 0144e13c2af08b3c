"""One reminder scan in the foreground: plan, reclaim, claim and send, printing each result."""

from django.core.management.base import BaseCommand

from kapclinic.reminders import services


class Command(BaseCommand):
    help = "Send the reminders that are due now (one scan, in this process) and list them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-batches", type=int, default=None, help="Stop after this many claimed batches."
        )

    def handle(self, *args, max_batches=None, **options):
        outcomes = []

        def send_here(ids, lease):
            for pk in ids:
                outcome = services.deliver(pk, lease)
                outcomes.append(outcome)
                self.stdout.write(str(outcome))

        result = services.scan(dispatch=send_here, max_batches=max_batches)
        sent = sum(1 for o in outcomes if o.status == "sent")
        self.stdout.write(
            self.style.SUCCESS(
                f"Planned {result.planned}, reclaimed {result.reclaimed}, "
                f"claimed {len(outcomes)}, sent {sent}."
            )
        )
