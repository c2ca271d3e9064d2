"""The learner's commands: progress, hint, reset, watch, tables, the Classroom export."""
