"""What runs inside a graded pytest run: the plugin, its fixtures, the statistical checks."""

import kata

kata.leave_keras_plots_out()  # a graded run is starting: Keras's plots are not needed
