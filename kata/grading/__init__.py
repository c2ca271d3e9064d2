"""The instructor's grader: grading, sandbox, static scan, reports, gradebook, Gradescope."""
