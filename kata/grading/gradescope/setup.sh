#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip curl ca-certificates >/dev/null
# The grader's sandbox; without it the grader falls back and says so in results.json.
apt-get install -y -qq bubblewrap >/dev/null || echo "bubblewrap unavailable: the grader will fall back" >&2
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  # The kata needs Python >= 3.11; install one where the unprivileged test user can run it.
  curl -LsSf https://astral.sh/uv/install.sh | env UV_INSTALL_DIR=/usr/local/bin sh
  export UV_PYTHON_INSTALL_DIR=/opt/uv-python
  uv python install 3.11
  PY="$(uv python find 3.11)"
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
# The versions the kata was verified with (the learners install the same pins).
/autograder/venv/bin/pip install --quiet -c /autograder/source/constraints.txt -e /autograder/source
chmod -R a+rX /autograder/venv /autograder/source
