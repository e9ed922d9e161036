"""The report pack (报告包, DOMAIN.md §8.7): one zip for a jurisdiction and a year or quarter, holding every
registered kind the requester may build for it, in PDF and Excel, and an index.

The zip is written to a file on disk as it grows (never in memory); each report is first written to a scratch
directory, added to the zip and deleted, so the disk holds at most one report beside the zip. A kind's data is
collected once for both its formats; PDF and xlsx files are stored in the zip as they are (both are compressed
already, and deflating them again cost time for nothing).
"""

import hashlib
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Sheet, write_workbook
from core.roles import Role

from .periods import ReportPeriod
from .registry import (
    SCOPE_ORGANIZATION,
    SCOPE_UNIT,
    ReportContent,
    ReportError,
    ReportKind,
    ReportRequest,
    ReportTarget,
    kinds,
    register,
)
from .rendering import safe_filename, write_content

Progress = Callable[[float], None]
INDEX_NAME = "index.html"
LISTING_NAME = "文件清单.xlsx"


@dataclass(frozen=True)
class PackEntry:
    folder: str
    name: str
    kind_label: str
    target_label: str
    period_label: str
    size: int
    sha256: str

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


def pack_plan(request: ReportRequest) -> list[tuple[ReportKind, ReportTarget, ReportPeriod, str]]:
    """(kind, target, period, format) of every report in the pack: each registered kind that takes the pack's
    unit or organisation, that the requester may request for it and whose `in_pack_when` (if any) holds, for each
    of its periods in the pack's period, in each of its formats."""
    plan = []
    for kind in kinds():
        if not kind.in_pack or kind.build is not None:
            continue
        if SCOPE_UNIT in kind.scopes and request.target.unit is not None:
            target = ReportTarget(unit=request.target.unit)
        elif SCOPE_ORGANIZATION in kind.scopes and request.target.organization is not None:
            target = ReportTarget(organization=request.target.organization)
        else:
            continue
        if not kind.may_request(request.user, target):
            continue
        if kind.in_pack_when is not None and not kind.in_pack_when(
            ReportRequest(kind=kind, target=target, period=request.period, user=request.user)
        ):
            continue
        for period in kind.periods_within(request.period):
            for fmt in kind.formats:
                plan.append((kind, target, period, fmt))
    return plan


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_pack(request: ReportRequest, fmt: str, directory: Path, progress: Progress | None = None) -> Path:
    plan = pack_plan(request)
    if not plan:
        raise ReportError(_("所选范围内没有您可以生成的报表。"))
    stem = safe_filename(f"{_('报告包')}-{request.target.label}-{request.period.label}")
    out_path = directory / f"{stem}.zip"
    scratch = directory / "parts"
    entries: list[PackEntry] = []
    collected: tuple[tuple, ReportContent] | None = None
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for index, (kind, target, period, part_fmt) in enumerate(plan):
            scratch.mkdir(exist_ok=True)
            folder = safe_filename(f"{[k.key for k in kinds()].index(kind.key) + 1:02d}-{kind.label}")

            def step(fraction: float, index: int = index) -> None:
                if progress:
                    progress((index + fraction) / (len(plan) + 1))

            sub_request = ReportRequest(kind=kind, target=target, period=period, user=request.user)
            key = (kind.key, target, period)
            if collected is None or collected[0] != key:  # the plan lists a kind's formats one after the other
                collected = (key, kind.collect(sub_request))
            for path in write_content(sub_request, collected[1], part_fmt, scratch, step):
                entries.append(
                    PackEntry(folder, path.name, kind.label, target.label, period.label, path.stat().st_size,
                              _sha256(path))
                )  # fmt: skip
                archive.write(path, f"{folder}/{path.name}", compress_type=zipfile.ZIP_STORED)
                path.unlink()
            shutil.rmtree(scratch)
        index_html = render_to_string(
            "reports/pack_index.html",
            {"request": request, "entries": entries, "generated_at": timezone.localtime(), "listing": LISTING_NAME},
        )
        archive.writestr(INDEX_NAME, index_html)
        listing = directory / LISTING_NAME
        write_workbook(
            [
                Sheet(
                    _("文件清单"),
                    [_("序号"), _("文件"), _("报表"), _("范围"), _("期间"), _("大小（字节）"), "SHA-256"],
                    [[i, e.path, e.kind_label, e.target_label, e.period_label, e.size, e.sha256]
                     for i, e in enumerate(entries, start=1)],
                )
            ],
            listing,
        )  # fmt: skip
        archive.write(listing, LISTING_NAME, compress_type=zipfile.ZIP_STORED)
        listing.unlink()
    if progress:
        progress(1.0)
    return out_path


PACK = register(
    ReportKind(
        key="pack",
        label=_("报告包"),
        scopes=(SCOPE_UNIT, SCOPE_ORGANIZATION),
        period="year_or_quarter",
        roles=frozenset({Role.ORG_OFFICER}),
        formats=("zip",),
        in_pack=False,
        build=build_pack,
    )
)
