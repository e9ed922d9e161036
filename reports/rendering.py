"""Writing a report kind's content to files: PDF through WeasyPrint (core.pdf's fetcher and font configuration),
Excel through core.exports (write-only, formula-safe).

Speed and memory (STACK.md, issue 7):
- Many forms in one WeasyPrint document cost about a third of one document per form (the fonts are subset and
  embedded once per document), but the memory of one document grows with its pages (387 MB at 200 forms). A kind
  with `chunk_size` is therefore rendered `chunk_size` items per document, each document its own PDF part; the
  page numbers (第 N 页 / 共 M 页) count within a part.
- A long table cut into parts (`continuous_pages`) is numbered as one document instead: each part is laid out
  once to count its pages (and dropped), then laid out again with its first page number and the total written
  into the page footer (templates/reports/pdf/base.html). Memory stays that of one part; the layout is done twice.
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


def _document(template: str, context: dict) -> HTML:
    html = render_to_string(template, context)
    base_url = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=StaticFilesURLFetcher())


def render_pdf_file(template: str, context: dict, path: Path) -> None:
    with garbage_collection_paused():
        _document(template, context).write_pdf(target=str(path), font_config=FONT_CONFIG)


def count_pdf_pages(template: str, context: dict) -> int:
    """The pages the document takes, from its layout alone (nothing is drawn or written)."""
    with garbage_collection_paused():
        pages = len(_document(template, context).render(font_config=FONT_CONFIG).pages)
    gc.collect()
    return pages


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
    contexts = []
    offset = 0
    for chunk in chunks:
        contexts.append({**content.context, "title": content.title, "items": chunk, "offset": offset,
                         "period": request.period, "target": request.target})  # fmt: skip
        offset += len(chunk)
    steps = len(chunks)
    if content.continuous_pages and len(chunks) > 1:
        steps *= 2
        first_page = 1
        for index, context in enumerate(contexts, start=1):
            pages = count_pdf_pages(content.template, context)
            context["page_first"] = first_page
            first_page += pages
            if progress:
                progress(index / steps)
        for context in contexts:
            context["page_total"] = first_page - 1
    paths = []
    for index, context in enumerate(contexts, start=1):
        name = f"{stem}.pdf" if len(chunks) == 1 else f"{stem}-第{index}部分.pdf"
        path = directory / name
        render_pdf_file(content.template, context, path)
        paths.append(path)
        gc.collect()  # the part's layout, kept alive until now, is mostly reference cycles
        if progress:
            progress((steps - len(chunks) + index) / steps)
    return paths
