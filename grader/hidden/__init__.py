"""Hidden lab tests (instructors only, never in student trees)."""
