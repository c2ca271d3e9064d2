"""Text that comes from the learner's process, made safe for the grader's outputs.

``clean`` keeps printable text only (no control characters, no ANSI escapes, nothing
XML 1.0 cannot hold) and caps its length; ``Redactor`` withholds a message that
quotes an instructor-only (hidden) test.
"""

from __future__ import annotations

import re
from pathlib import Path

MESSAGE_LIMIT = 3000  # characters of one test's message
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# Everything XML 1.0 allows minus the C0/C1 controls other than tab and newline.
_BAD = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)
WITHHELD = "(message withheld: it quotes an instructor-only test)"


def clean(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as printable, XML-safe text of at most ``limit`` characters (head kept)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _ANSI.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = _BAD.sub("", text)
    if len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def name(text: object, limit: int = 200) -> str:
    """A file name or other one-line label from the submission, cleaned."""
    return clean(str(text).encode("utf-8", errors="surrogateescape"), limit).replace("\n", "\\n")


class Redactor:
    """Knows the hidden tests' source lines; withholds any message that quotes one."""

    MIN_LINE = 20  # shorter lines (``assert x``, ``return y``) are not distinctive

    def __init__(self, files: list[Path]):
        self.lines = set()
        for f in files:
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.strip()
                if len(line) >= self.MIN_LINE and not line.startswith(("#", "import ", "from ")):
                    self.lines.add(line)

    def __call__(self, text: str) -> str:
        squeezed = " ".join(text.split())
        if any(" ".join(line.split()) in squeezed for line in self.lines):
            return WITHHELD
        return text
