"""Who is who: users, clinics, staff (providers) and patients."""

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.access import ClinicStaffQuerySet, PatientRecordQuerySet
from kapclinic.clinic.npi import validate_npi
from kapclinic.clinic.record_fields import count_between, optional_link


class UserManager(BaseUserManager):
    """Users are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login. Staff have a Provider profile, patients a Patient record."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    # A login built from its kept principal (kapclinic/clinic/principal.py) carries its session
    # hash instead of the password hash; a new password forgets it.
    def get_session_auth_hash(self):
        return self.__dict__.get("_kap_session_hash") or super().get_session_auth_hash()

    def set_password(self, raw_password):
        self.__dict__.pop("_kap_session_hash", None)
        super().set_password(raw_password)

    def set_unusable_password(self):
        self.__dict__.pop("_kap_session_hash", None)
        super().set_unusable_password()


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


DEFAULT_CRISIS_RESOURCES = (
    "If you are in danger or thinking about ending your life, call your local emergency number "
    "now (999 in the UK, 911 in the US, 112 in the EU), or go to the nearest emergency "
    "department. You can also call or text 988 (US) or call Samaritans on 116 123 (UK), "
    "any time, free."
)


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    crisis_resources = models.TextField(
        default=DEFAULT_CRISIS_RESOURCES,
        help_text="Shown to patients at once whenever an answer suggests risk.",
    )
    report_page_size = models.CharField(
        max_length=10,
        blank=True,
        choices=[("A4", "A4"), ("Letter", "US Letter")],
        help_text="Paper size of this clinic's PDF reports; blank uses the server default.",
    )
    cssrs_licensed_wording = models.JSONField(
        default=dict,
        blank=True,
        verbose_name="C-SSRS licensed wording",
        help_text="Optional: the C-SSRS screen's question text this clinic is licensed to use, "
        "one entry per item (q1, q2, q3, q4, q5, q6, q6b). Empty shows our own concept labels.",
    )
    tax_id = models.CharField(
        "tax id (EIN)",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{2}-\d{7}$", "Enter the EIN as 12-3456789.")],
        help_text="Printed on superbills, e.g. 12-3456789.",
    )
    billing_address = models.TextField(
        blank=True, help_text="Printed on superbills; blank uses the clinic's address."
    )
    nurses_may_review_risk = models.BooleanField(
        default=False,
        help_text="Nurses may resolve a suicide-risk flag with a risk review. Prescribers and "
        "licensed therapists always may.",
    )
    booking_horizon_days = count_between(
        7,
        1100,
        548,
        "book at most this many days ahead",
        "A visit further ahead is refused, so a year typed wrong (2099) is caught. "
        "548 days is 18 months.",
    )
    record_request_days = count_between(
        1,
        60,
        30,
        "answer a request about a record within this many days",
        "A patient's request for a copy of their notes or for a correction. HIPAA allows 30 "
        "days for a copy and 60 for a correction; GDPR one month for both.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def superbill_address(self):
        return self.billing_address or self.address

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def phone_uri(self):
        """The clinic's phone as a link a patient in crisis taps to call ("" when none)."""
        dialled = "".join(c for c in self.phone if c.isdigit() or c == "+")
        return f"tel:{dialled}" if dialled else ""

    def today(self, now=None):
        """The date at the clinic (not the server's): which consent, protocol or REMS
        certification is in force is a question of the clinic's day."""
        return timezone.localdate(now or timezone.now(), self.tz)

    def clean(self):
        wording = self.cssrs_licensed_wording
        if wording:
            from kapclinic.instruments.cssrs_screen import CSSRS_SCREEN

            keys = [item.key for item in CSSRS_SCREEN.items]
            if not isinstance(wording, dict) or set(wording) != set(keys):
                raise ValidationError(
                    {"cssrs_licensed_wording": f"Give the text of every item: {', '.join(keys)}."}
                )
            if not all(isinstance(text, str) and text.strip() for text in wording.values()):
                raise ValidationError({"cssrs_licensed_wording": "Each item needs its text."})


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    THERAPIST = "therapist", "Therapist"
    NURSE = "nurse", "Nurse"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


CLINICIAN_ROLES = frozenset({Role.PRESCRIBER, Role.THERAPIST, Role.NURSE})
ALL_STAFF = frozenset(Role)


class ProviderQuerySet(ClinicStaffQuerySet):
    """Colleagues: the staff of one's own clinic."""

    clinic_field = "clinic_id"

    def active(self):
        return self.filter(active=True, user__is_active=True)


class Provider(models.Model):
    """A member of staff: their clinic, role and professional registration."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="provider")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="providers")
    role = models.CharField(max_length=20, choices=Role.choices)
    credentials = models.CharField(
        max_length=100, blank=True, help_text="e.g. MD, PMHNP, LCSW, MRCPsych"
    )
    licence_number = models.CharField(max_length=60, blank=True)
    licence_state = models.CharField(
        max_length=40, blank=True, help_text="Where the licence was issued, e.g. CA or Oregon."
    )
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text="National Provider Identifier (10 digits), printed on superbills.",
    )
    active = models.BooleanField(default=True)
    is_medical_director = models.BooleanField(
        "medical director",
        default=False,
        help_text="The prescriber who signs off the clinic's protocols (one per clinic).",
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [models.Index(fields=["clinic", "role"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(is_medical_director=True),
                name="provider_one_medical_director_per_clinic",
            ),
            models.CheckConstraint(
                condition=models.Q(is_medical_director=False) | models.Q(role="prescriber"),
                name="provider_medical_director_is_prescriber",
            ),
        ]

    def __str__(self):
        name = self.user.get_full_name() or self.user.email
        return f"{name}, {self.credentials}" if self.credentials else name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.sync_user_access()

    @property
    def is_clinician(self):
        return self.role in CLINICIAN_ROLES

    def clean(self):
        if self.is_medical_director and self.role != Role.PRESCRIBER:
            raise ValidationError(
                {"is_medical_director": "The medical director must be a prescriber."}
            )
        # A patient's login opens their own record only; staff rights on it would open others'.
        if self.user_id and Patient.objects.filter(user_id=self.user_id).exists():
            raise ValidationError(
                {"user": "This login belongs to a patient. Staff need a login of their own."}
            )

    def sync_user_access(self):
        """Give the login its role's group; only clinic admins may open the Django admin."""
        from django.contrib.auth.models import Group

        groups = Group.objects.filter(name=self.get_role_display()) if self.active else []
        self.user.groups.set(groups)
        is_staff = self.active and self.role == Role.CLINIC_ADMIN
        if self.user.is_staff != is_staff and not self.user.is_superuser:
            self.user.is_staff = is_staff
            self.user.save(update_fields=["is_staff"])


class PatientQuerySet(PatientRecordQuerySet):
    """The only way views fetch patients: staff see their clinic, a patient sees self."""

    patient_path, clinic_field = "", None


EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
ADULT_AGE = 18  # the clinic treats adults only: intake/eligibility.py and the clearance


def age_on(born, day):
    """Whole years from `born` to `day`; a birthday counts from the day itself."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = optional_link(
        User,
        link=models.OneToOneField,
        related_name="patient",
        help_text="Set when the patient accepts their invitation.",
    )
    legal_name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "clinic", name="patient_email_unique_per_clinic"
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True)
                | models.Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="patient_date_of_birth_plausible",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "legal_name"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.preferred_name and self.preferred_name != self.legal_name:
            return f"{self.preferred_name} ({self.legal_name})"
        return self.legal_name

    @property
    def age(self):
        """Whole years on the clinic's day: a report rendered by a command agrees with the chart."""
        if not self.date_of_birth:
            return None
        return age_on(self.date_of_birth, self.clinic.today())

    def why_not_an_adult(self):
        """Why this patient cannot be cleared as an adult today at their clinic, or None."""
        if (age := self.age) is None:
            return "The patient's date of birth is not on file. Record it first."
        if age < ADULT_AGE:
            return (
                f"This treatment is for adults aged {ADULT_AGE} or over; "
                f"the patient is {age} by the date of birth on file."
            )
        return None

    def clean(self):
        if self.user_id and Provider.objects.filter(user_id=self.user_id).exists():
            raise ValidationError(
                {"user": "This login belongs to a member of staff. Invite the patient instead."}
            )
        if self.date_of_birth:
            today = self.clinic.today() if self.clinic_id else timezone.localdate()
            if self.date_of_birth > today:
                raise ValidationError({"date_of_birth": "Date of birth cannot be in the future."})
            if self.date_of_birth < EARLIEST_BIRTH_DATE:
                raise ValidationError({"date_of_birth": "Please check the year of birth."})
