"""Phase 3 forms: the clinician's (clinician.py) and the patient's (patient.py)."""
