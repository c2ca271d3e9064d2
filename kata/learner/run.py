"""``kata test``: run the graded suites as pytest would, with the kata's report.

    kata test [--exercise EX] [--task TASK] [any pytest option]

The results are merged into ``.kata/last-run.json`` (read by progress and hint).
"""

from __future__ import annotations

import sys

from kata.core import state


def main(argv: list[str] | None = None) -> int:
    import pytest

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--kata-state" not in argv:
        argv += ["--kata-state", str(state.LAST_RUN)]
    return int(pytest.main(argv))


if __name__ == "__main__":
    sys.exit(main())
