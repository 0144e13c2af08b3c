"""Phase 2 forms, one module per area."""
