"""Tooling of tf-params-kata: the catalogue, the loader, the test plugin and the CLIs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
