"""Phase 2, dosing: booking, check-in, the live session screen, doses, vitals, signing.

The folder is `sessions/` (the project layout); everywhere else the app is "dosing": its app
label, URL namespace and templates (`templates/dosing/`).
"""
