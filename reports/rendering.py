"""Writing a report kind's content to files: PDF through WeasyPrint (core.pdf's fetcher and font configuration),
Excel through core.exports (write-only, formula-safe).

Speed and memory (STACK.md, issue 7):
- Many forms in one WeasyPrint document cost about a third of one document per form (the fonts are subset and
  embedded once per document), but the memory of one document grows with its pages (387 MB at 200 forms). A kind
  with `chunk_size` is therefore rendered `chunk_size` forms per document, each document its own PDF part; the
  page numbers (第 N 页 / 共 M 页) count within a part.
- Python's cyclic garbage collector is paused while WeasyPrint renders a document and run once afterwards: the
  layout allocates millions of objects, the collector kept walking them (about a sixth of the rendering time), and
  the document holds them until it is written anyway, so the peak memory stays the same.
- The templates keep to few elements and avoid flex and collapsed borders (templates/reports/pdf/base.html):
  WeasyPrint's cost is per box and per piece of text, on every form of a pack.
"""

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from core.exports import write_workbook
from core.pdf import FONT_CONFIG, StaticFilesURLFetcher

from .registry import ReportContent, ReportRequest

Progress = Callable[[float], None]
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_filename(name: str) -> str:
    return UNSAFE_FILENAME.sub("_", name).strip(" .")[:150] or "report"


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_pdf_file(template: str, context: dict, path: Path) -> None:
    html = render_to_string(template, context)
    base_url = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    with garbage_collection_paused():
        HTML(string=html, base_url=base_url, url_fetcher=StaticFilesURLFetcher()).write_pdf(
            target=str(path), font_config=FONT_CONFIG
        )


def report_stem(request: ReportRequest, content: ReportContent) -> str:
    return safe_filename(f"{content.title}-{request.target.label}-{request.period.label}")


def write_report(request: ReportRequest, fmt: str, directory: Path, progress: Progress | None = None) -> list[Path]:
    """Write the report in `fmt` ("pdf" or "xlsx") into `directory`; returns the files written, in order (a long
    PDF comes in parts)."""
    return write_content(request, request.kind.collect(request), fmt, directory, progress)


def write_content(
    request: ReportRequest, content: ReportContent, fmt: str, directory: Path, progress: Progress | None = None
) -> list[Path]:
    """Write collected content in one format (the pack collects a kind once for both of its formats)."""
    stem = report_stem(request, content)
    if fmt == "xlsx":
        path = directory / f"{stem}.xlsx"
        write_workbook(content.sheets(), path)
        if progress:
            progress(1.0)
        return [path]
    chunks = content.chunks()
    paths = []
    offset = 0
    for index, chunk in enumerate(chunks, start=1):
        name = f"{stem}.pdf" if len(chunks) == 1 else f"{stem}-第{index}部分.pdf"
        path = directory / name
        render_pdf_file(
            content.template,
            {**content.context, "title": content.title, "items": chunk, "offset": offset, "period": request.period,
             "target": request.target},
            path,
        )  # fmt: skip
        offset += len(chunk)
        paths.append(path)
        gc.collect()  # the part's layout, kept alive until now, is mostly reference cycles
        if progress:
            progress(index / len(chunks))
    return paths
