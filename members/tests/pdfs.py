"""Reading generated PDFs back in tests, with poppler's pdftotext (STACK.md)."""

import shutil
import subprocess
from pathlib import Path

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdf_text(content: bytes, directory: Path) -> str:
    """The text of the PDF in reading order with all whitespace removed, so that a table cell's text wrapped
    over two lines still reads as one string."""
    path = directory / "out.pdf"
    path.write_bytes(content)
    text = subprocess.run([PDFTOTEXT, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return "".join(text.split())
