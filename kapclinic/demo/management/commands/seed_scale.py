"""Seed a clinic network at scale for the benchmark: `manage.py seed_scale --patients 10000`.

Builds on an empty network name; refuses to run twice into the same database, since the
benchmark reuses what is there. See kapclinic/demo/scale.py for what each course holds.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from kapclinic.clinic.models import Clinic
from kapclinic.demo.scale import ORDER, ScaleSeeder
from kapclinic.demo.scale_network import NETWORK


class Command(BaseCommand):
    help = "Create a clinic network of N patients with full records, in bulk (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument("--clinics", type=int, default=None, help="default: 1 per 2,500")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, patients, clinics, seed, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        if Clinic.objects.filter(name__startswith=NETWORK).exists():
            raise CommandError(f"“{NETWORK}” is already seeded in this database.")
        seeder = ScaleSeeder(patients, clinics=clinics, seed=seed, log=self.stdout.write)
        seeder.run()
        self.stdout.write(
            f"Seeded {patients:,} patients in {seeder.clinic_count} clinics "
            f"in {seeder.seconds:.1f} s. Rows per table:"
        )
        total = 0
        for model in ORDER:
            label = model._meta.label
            if not apps.is_installed(model._meta.app_config.name):
                continue
            count = model._base_manager.count()
            total += count
            self.stdout.write(f"  {label:<40} {count:>10,}")
        self.stdout.write(f"  {'total':<40} {total:>10,}")
