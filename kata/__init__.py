"""Tooling of tf-params-kata: the catalogue, the loader, the test plugin and the CLIs."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Keep TensorFlow's C++ start-up chatter out of the learner's terminal (set before
# any TensorFlow import: every tool and the test plugin import this package first).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
