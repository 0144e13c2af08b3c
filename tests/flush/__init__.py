"""A test-run-only app (settings_test): the `flush` that ends every transactional test."""
