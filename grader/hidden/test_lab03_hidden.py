"""Lab 03 hidden tests (instructors only)."""
