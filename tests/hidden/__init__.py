"""Instructor-only tests: run by the grader, left out of the student release."""
