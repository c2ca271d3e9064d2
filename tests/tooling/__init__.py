"""Tests of the instructor tooling: grading, its attacks, release and Gradescope bundle."""
