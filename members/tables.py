"""List pages that are also Excel exports: one column list gives the table on screen and the sheet (core.exports).

A view describes its columns once (header, value, optional link); `table_response` pages and renders them, or,
with ?export=xlsx, writes every row to a workbook.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.exports import Sheet, xlsx_response
from core.pagination import paginate, querystring_without_page

# Cells stay on one line unless their column holds running text.
WRAP = "text-wrap"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None
    css: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    css: str = ""


def display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def table_response(
    request: HttpRequest,
    *,
    title: str,
    columns: Sequence[Column],
    items: Iterable[Any],
    filename: str,
    form: Any = None,
    row_css: Callable[[Any], str] | None = None,
    context: dict | None = None,
    template: str = "members/lifecycle/table.html",
) -> HttpResponse:
    if request.GET.get("export") == "xlsx":
        rows = ([column.value(item) for column in columns] for item in items)
        return xlsx_response(
            filename=f"{filename}-{timezone.localdate():%Y%m%d}.xlsx",
            sheets=[Sheet(title, [c.header for c in columns], rows)],
        )
    page = paginate(request, items if isinstance(items, list | QuerySet) else list(items))
    rows = [
        {
            "css": row_css(item) if row_css else "",
            "cells": [Cell(display(c.value(item)), c.link(item) if c.link else "", c.css) for c in columns],
            "item": item,
        }
        for item in page.object_list
    ]
    return render(
        request,
        template,
        {
            "title": title,
            "headers": [c.header for c in columns],
            "rows": rows,
            "page_obj": page,
            "form": form,
            "querystring": querystring_without_page(request),
            **(context or {}),
        },
    )
