"""Phase 2 pages, one module per area: booking, the patient's check-in, the session screen."""
