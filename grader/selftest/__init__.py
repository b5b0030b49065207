"""Self-tests of the grader and tools (instructors only)."""
