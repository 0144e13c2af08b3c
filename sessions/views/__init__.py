"""Phase 2 pages, one module per area: scheduling, the patient's check-in, the session screen."""
