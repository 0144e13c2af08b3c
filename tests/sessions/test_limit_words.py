"""A reading outside what the record accepts is refused beside its field in a clinician's
words: the field's name, its limits and its unit, never Django's "Ensure this value is…"."""

from kapclinic.clinic.models import Role
from sessions.models import VitalSigns

from .test_session_views import dose_post, field_block, posted, sign_in, url, vitals_post

STOCK_WORDS = "Ensure this value"


def test_vitals_out_of_range_say_the_reading_its_limits_and_unit(ready, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    data = vitals_post(ready, systolic=400, heart_rate=10, spo2=101, temperature="50")
    html = client.post(url("record-vitals", ready.session), data).content.decode()
    assert "Systolic BP: enter a number from 50 to 300 mmHg." in field_block(
        html, "vitals-systolic"
    )
    assert "Heart rate: enter a number from 20 to 250 per minute" in field_block(
        html, "vitals-heart_rate"
    )
    assert "SpO2: enter a number from 50 to 100%" in field_block(html, "vitals-spo2")
    assert "Temperature: enter a number from 30 to 43 °C" in field_block(html, "vitals-temperature")
    assert STOCK_WORDS not in html
    assert not VitalSigns.objects.filter(systolic=400).exists()


def test_weight_out_of_range_or_too_precise_is_refused_in_words(ready, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    html = client.post(
        url("record-weight", ready.session), posted("weight", {"weight_kg": "20"})
    ).content.decode()
    assert "Weight: enter a number from 30 to 300 kg" in field_block(html, "weight-weight_kg")
    html = client.post(
        url("record-weight", ready.session), posted("weight", {"weight_kg": "3000"})
    ).content.decode()
    block = field_block(html, "weight-weight_kg")
    assert block.count("Weight: enter a number from 30 to 300 kg") == 1  # said once, not per check
    assert "digits" not in block
    html = client.post(
        url("record-weight", ready.session), posted("weight", {"weight_kg": "70.55"})
    ).content.decode()
    assert "Weight: enter at most 1 decimal place" in field_block(html, "weight-weight_kg")


def test_dose_amount_and_counts_out_of_range_are_refused_in_words(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    html = client.post(
        url("record-dose", ready.session),
        dose_post(ready, amount_mg="-5", weight_kg="700", infusion_minutes="0"),
    ).content.decode()
    assert "Amount: enter a number of at least 0.1 mg" in field_block(html, "dose-amount_mg")
    assert "Weight now: enter a number from 30 to 300 kg" in field_block(html, "dose-weight_kg")
    assert "Infusion duration: enter a number from 1 to " in field_block(
        html, "dose-infusion_minutes"
    )
    assert STOCK_WORDS not in html
