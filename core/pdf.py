"""PDF rendering shared by every printed form (STACK.md): WeasyPrint with the Noto Serif CJK SC font, A4.

Templates extend `pdf/base.html` (A4, bordered tables, page numbers). Resources come only from the project's
static files: the URL fetcher refuses every other URL, network addresses included. One FontConfiguration serves
the whole process, so rendering in a loop does not grow memory.
"""

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_CONTENT_TYPE = "application/pdf"
FONT_CONFIG = FontConfiguration()


class StaticFilesURLFetcher(URLFetcher):
    """Serves `static/…` paths from the static files finders, and nothing else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc:
            raise ValueError(f"PDF 只能使用本系统的静态文件：{url}")
        path = Path(unquote(parts.path))
        static_root = Path(settings.BASE_DIR) / "static"
        try:
            relative = path.resolve().relative_to(static_root.resolve())
        except ValueError:
            raise ValueError(f"PDF 只能使用本系统的静态文件：{url}") from None
        found = finders.find(relative.as_posix())
        if not found:
            raise ValueError(f"找不到静态文件：{relative}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a Django template (autoescaped) to PDF bytes."""
    html = render_to_string(template_name, context)
    base_url = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFilesURLFetcher())
    return document.write_pdf(font_config=FONT_CONFIG)
