"""PostgreSQL keeps the journey's links and ended visits as the models do, whatever writes.

`KeepsItsLinks` and `Appointment.save()` refuse these in forms and saves; a queryset update, raw
SQL or another program bypasses both. The triggers refuse, in the models' words:

- a course moved to another patient or clinic (its signed consents, doses and notes with it);
- an appointment moved to another course (its patient and clinic are the course's copies);
- any change of a completed visit's status, kind or times (as `remembered` in the model);
- a cancelled or missed visit made live again (booked or checked in);
- an appointment deleted (cancel it or mark a no-show).

A course with records is not deleted either: their foreign keys refuse it. The SQLite demo
has no such triggers (vendor-guarded); its queryset refuses moving a link in bulk.
"""

from django.db import migrations

from kapclinic.clinic.signed_triggers import REFUSED, refuse_on


def refusal(words, *values):
    """A RAISE of `words` (a % takes each of `values`) with the refused SQLSTATE."""
    listed = "".join(f", {value}" for value in values)
    return f"RAISE EXCEPTION '{words}'{listed} USING ERRCODE = '{REFUSED}';"


MOVED_PATIENT = refusal(
    "A course stays with the patient it was opened for: open a new course for this patient instead."
)
MOVED_CLINIC = refusal("A course stays at the clinic where it was opened.")
DELETED = refusal("Appointments are cancelled or marked no-show, not deleted.")
MOVED_COURSE = refusal(
    "An appointment stays with the course it was booked for: cancel it and book one for the "
    "other patient instead."
)
COMPLETED = refusal("This visit took place and its record is signed: it cannot change now.")
LIVE_AGAIN = refusal(
    "This visit was %: book a new one instead, so the booking''s checks run and the patient "
    "is told.",
    "CASE OLD.status WHEN 'cancelled' THEN 'cancelled' ELSE 'missed' END",
)

COURSE = f"""  IF NEW.patient_id IS DISTINCT FROM OLD.patient_id THEN
    {MOVED_PATIENT}
  END IF;
  IF NEW.clinic_id IS DISTINCT FROM OLD.clinic_id THEN
    {MOVED_CLINIC}
  END IF;"""

APPOINTMENT = f"""  IF TG_OP = 'DELETE' THEN
    {DELETED}
  END IF;
  IF (NEW.course_id, NEW.patient_id, NEW.clinic_id)
     IS DISTINCT FROM (OLD.course_id, OLD.patient_id, OLD.clinic_id) THEN
    {MOVED_COURSE}
  END IF;
  IF OLD.status = 'completed' AND (NEW.status, NEW.kind, NEW.starts_at, NEW.ends_at)
     IS DISTINCT FROM (OLD.status, OLD.kind, OLD.starts_at, OLD.ends_at) THEN
    {COMPLETED}
  END IF;
  IF OLD.status IN ('cancelled', 'no_show') AND NEW.status IN ('booked', 'checked_in') THEN
    {LIVE_AGAIN}
  END IF;"""


class Migration(migrations.Migration):
    dependencies = [("clinic", "0027_appointment_changed_at_sequence")]

    operations = [
        refuse_on(
            "clinic_treatmentcourse",
            "clinic_course_keeps_its_patient",
            COURSE,
            events="UPDATE OF patient_id, clinic_id",
        ),
        refuse_on(
            "clinic_appointment",
            "clinic_appointment_keeps_its_course",
            APPOINTMENT,
            events="UPDATE OR DELETE",
        ),
    ]
