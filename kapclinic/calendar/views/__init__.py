"""The calendar's pages: the patient's (patient.py) and the front desk's (staff.py)."""
