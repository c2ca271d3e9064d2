"""What runs inside a graded pytest run: the plugin, its fixtures, the statistical checks."""
