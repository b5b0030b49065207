"""Public lab tests (copied into student trees), imported as `tests.test_labNN`."""
