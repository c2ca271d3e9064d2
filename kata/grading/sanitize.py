"""Text that comes from the learner's process, made safe for the grader's outputs:
printable, XML-safe and capped (``clean``), withheld when it quotes a hidden test
(``Redactor``)."""

from __future__ import annotations

import re
import unicodedata
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
    text = _BAD.sub("", _ANSI.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n"))
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def name(text: object, limit: int = 200) -> str:
    """A file name or other one-line label from the submission, cleaned."""
    return clean(str(text).encode("utf-8", errors="surrogateescape"), limit).replace("\n", "\\n")


def bare(text: str) -> str:
    """``text`` compatibility-normalized (NFKC), without whitespace and format characters
    (zero-width spaces and joiners, direction marks, soft hyphens: category Cf)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


class Redactor:
    """Knows the hidden tests' source lines (less those the visible tests share: they are
    public); withholds any text that quotes one."""

    MIN_LINE = 20  # shorter lines (``assert x``, ``return y``) are not distinctive
    SKIP = ("#", "import ", "from ")  # nor are comments and imports

    def __init__(self, files: list[Path], public: list[Path] = ()):
        self.lines = {line for f in files for line in self._lines(f)}
        self.lines -= {line for f in public for line in self._lines(f)}

    @classmethod
    def _lines(cls, path: Path) -> set[str]:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = (ln.strip() for ln in text.splitlines())
        return {bare(ln) for ln in lines if len(ln) >= cls.MIN_LINE and not ln.startswith(cls.SKIP)}

    def quotes(self, text: str) -> bool:
        seen = bare(text)
        return any(line in seen for line in self.lines)

    def __call__(self, text: str) -> str:
        return WITHHELD if self.quotes(text) else text

    def log(self, text: str) -> str:
        """``text`` with each line quoting a hidden test withheld (all of it if a quote
        spans lines)."""
        kept = "\n".join(WITHHELD if self.quotes(ln) else ln for ln in text.split("\n"))
        return WITHHELD if self.quotes(kept) else kept
