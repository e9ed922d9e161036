"""The quarterly report pack at scale (issue 7, STACK.md): 1,000 平时考核登记表 with the Excel summary.

    .venv/bin/python bench/report_pack.py [--forms 1000]

Seeds a throwaway SQLite database (two divisions of five departments, one appraisal group per department, every
appraisee with a summary and a signed first-quarter rating), then measures, each in a fresh process so that the
peak memory (ru_maxrss) is that process's own:
- pack: the quarterly pack of the whole organ as the report job builds it (forms rendered in chunks of
  ZHIBU_REPORT_PDF_CHUNK per WeasyPrint document, the zip streamed to disk);
- naive: the same forms, one WeasyPrint document per form;
- one worker / two workers: the registration forms of the two divisions built one after the other in one
  process, then by two processes at once (the speed-up from one worker to two).
Prints seconds per form, peak memory per process, and the ratios. Targets: pack ≥ 3× faster per form than naive,
peak < 500 MB per process, two workers close to 2× one.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = 2
DEPARTMENTS_PER_DIVISION = 5


def setup_django(db_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(forms: int) -> None:
    from django.core.management import call_command

    from appraisal.models import QuarterlySummary
    from appraisal.services import RatingEntry, cycle_open, group_add, group_sign
    from branches.models import Unit
    from core.roles import Role
    from members.services import role_assign
    from tests.factories import PersonFactory, UserFactory

    call_command("migrate", verbosity=0, interactive=False)
    organ = Unit.objects.create(name="某区机关", kind=Unit.Kind.ORGAN)
    chief = UserFactory(username="chief")
    PersonFactory(user=chief, name="赵书记", unit=organ)
    role_assign(user=chief, role=Role.ORG_OFFICER, unit=organ)
    cycle = cycle_open(year=2026, name="2026年度平时考核", by=chief)
    departments = DIVISIONS * DEPARTMENTS_PER_DIVISION
    text = (
        "严格遵守中央八项规定精神和单位各项规章制度，认真履行岗位职责，按时保质完成各项文稿起草、数据统计和材料报送工作。"
        * 3
    )
    number = 0
    for d in range(DIVISIONS):
        division = Unit.objects.create(name=f"第{d + 1}处", parent=organ, sort_order=d)
        for k in range(DEPARTMENTS_PER_DIVISION):
            unit = Unit.objects.create(name=f"第{d + 1}处第{k + 1}科", parent=division, sort_order=k)
            leader = UserFactory(username=f"leader{d}{k}")
            PersonFactory(user=leader, name=f"领导{d}{k}", unit=division)
            size = forms // departments + (1 if d * DEPARTMENTS_PER_DIVISION + k < forms % departments else 0)
            people = []
            for _ in range(size):
                number += 1
                born = datetime.date(1980 + number % 20, 1 + number % 12, 1)
                people.append(PersonFactory(name=f"干部{number:04d}", unit=unit, position="一级主任科员",
                                            birth_date=born))  # fmt: skip
            group = group_add(cycle=cycle, name=unit.name, leader=leader, people=people, by=chief)
            QuarterlySummary.objects.bulk_create(
                QuarterlySummary(person=p, year=2026, quarter=1, unit=unit, duties=text, tasks_completed=text,
                                 attendance="全勤") for p in people
            )  # fmt: skip
            entries = {a.pk: RatingEntry(grade="competent", opinion="该同志工作认真负责，同意评定为“称职”等次。")
                       for a in group.appraisees.all()}  # fmt: skip
            group_sign(group=group, period=1, entries=entries, password="pw-for-tests-1", by=leader,
                       today=datetime.date(2026, 3, 31))  # fmt: skip


def measure(mode: str, division: int | None) -> dict:
    from django.conf import settings

    from branches.models import Unit
    from core.models import User
    from reports.periods import ReportPeriod
    from reports.registry import ReportRequest, ReportTarget, get_kind
    from reports.rendering import render_pdf_file
    from reports.report_kinds import registration_forms
    from reports.services import build_file

    chief = User.objects.get(username="chief")
    quarter = ReportPeriod(2026, quarter=1)
    out = Path(tempfile.mkdtemp(prefix="zhibu-bench-pack-"))
    started = time.perf_counter()
    if mode == "pack":
        organ = Unit.objects.get(parent=None)
        built = build_file(ReportRequest(get_kind("pack"), ReportTarget(unit=organ), quarter, chief), "zip", out)
        forms = len(registration_forms(ReportRequest(get_kind("registration"), ReportTarget(unit=organ), quarter,
                                                     chief)))  # fmt: skip
        size = built.stat().st_size
    elif mode == "division":
        unit = Unit.objects.get(name=f"第{division + 1}处")
        request = ReportRequest(get_kind("registration"), ReportTarget(unit=unit), quarter, chief)
        built = build_file(request, "pdf", out)
        forms, size = len(registration_forms(request)), built.stat().st_size
    else:  # naive: one document per form
        organ = Unit.objects.get(parent=None)
        request = ReportRequest(get_kind("registration"), ReportTarget(unit=organ), quarter, chief)
        all_forms = registration_forms(request)
        forms, size = len(all_forms), 0
        for index, form in enumerate(all_forms):
            path = out / f"{index}.pdf"
            render_pdf_file("reports/pdf/registration.html",
                            {"title": "平时考核登记表", "items": [form], "offset": index, "period": quarter,
                             "target": request.target}, path)  # fmt: skip
            size += path.stat().st_size
            path.unlink()
    seconds = time.perf_counter() - started
    return {"mode": mode, "forms": forms, "seconds": seconds, "peak_mb": peak_mb(), "bytes": size,
            "chunk": settings.ZHIBU_REPORT_PDF_CHUNK}  # fmt: skip


def child(db: Path, mode: str, division: int | None = None) -> subprocess.Popen:
    command = [sys.executable, __file__, "--child", mode, "--db", str(db)]
    if division is not None:
        command += ["--division", str(division)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 (this script, this Python)


def result_of(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"child failed with {process.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--division", type=int)
    args = parser.parse_args()
    if args.child:
        setup_django(Path(args.db))
        print(json.dumps(measure(args.child, args.division)))
        return
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        setup_django(db)
        started = time.perf_counter()
        seed(args.forms)
        print(f"seeded {args.forms} appraisees in {time.perf_counter() - started:.0f} s")
        pack = result_of(child(db, "pack"))
        naive = result_of(child(db, "naive"))
        serial = [result_of(child(db, "division", d)) for d in range(DIVISIONS)]
        started = time.perf_counter()
        parallel_processes = [child(db, "division", d) for d in range(DIVISIONS)]
        parallel = [result_of(p) for p in parallel_processes]
        parallel_wall = time.perf_counter() - started
    one_worker = sum(r["seconds"] for r in serial)
    per_form = pack["seconds"] / pack["forms"]
    naive_per_form = naive["seconds"] / naive["forms"]
    print(
        f"pack (chunks of {pack['chunk']}): {pack['forms']} forms + Excel summary + other kinds in "
        f"{pack['seconds']:.1f} s = {per_form:.3f} s/form, peak {pack['peak_mb']:.0f} MB, zip {pack['bytes']:,} B"
    )
    print(
        f"naive (one document per form): {naive['seconds']:.1f} s = {naive_per_form:.3f} s/form, "
        f"peak {naive['peak_mb']:.0f} MB"
    )
    print(f"speed ratio naive/pack per form: {naive_per_form / per_form:.2f}× (target ≥ 3×)")
    print(
        f"one worker (two divisions in turn): {one_worker:.1f} s; two workers at once: {parallel_wall:.1f} s; "
        f"speed-up {one_worker / parallel_wall:.2f}× (target near 2×); peak per process "
        f"{max(r['peak_mb'] for r in serial + parallel):.0f} MB (target < 500 MB)"
    )


if __name__ == "__main__":
    main()
