"""Phase 3 pages: the clinician's (clinician.py) and the patient's (patient.py)."""
