"""``python -m kata``: the ``kata`` command (see ``kata.cli``)."""

import sys

from kata.cli import main

sys.exit(main())
