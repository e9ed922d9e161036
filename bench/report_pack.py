"""The quarterly report pack at scale (issue 7, STACK.md): 1,000 平时考核登记表 with the Excel summary.

    .venv/bin/python bench/report_pack.py [--forms 1000] [--skip-naive]

Seeds a throwaway SQLite database (two divisions of five departments, one appraisal group per department, every
appraisee with a summary and a signed first-quarter rating), then measures, each in a fresh process so that the
peak memory (ru_maxrss) is that process's own:
- forms: the registration forms as the pack builds them: collected once, the PDF in parts of
  ZHIBU_REPORT_PDF_CHUNK forms per WeasyPrint document, and the Excel summary;
- naive: the same forms, one WeasyPrint document per form, and the same Excel summary;
- pack: the whole quarterly pack of the organ (every kind the officer may build, zipped on disk);
- one worker / two workers: the registration forms of the two divisions built one after the other in one
  process, then by two processes at once (the speed-up from one worker to two).
Prints seconds per form (wall clock, and CPU time, which a busy machine disturbs less), peak memory per process,
the ratios and the load average. Targets: forms ≥ 3× faster per form than naive, peak < 500 MB per process, two
workers close to 2× one (on a 2-core machine with nothing else running).
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


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(mode: str, division: int | None) -> dict:
    from django.conf import settings

    from branches.models import Unit
    from core.models import User
    from reports.periods import ReportPeriod
    from reports.registry import ReportRequest, ReportTarget, get_kind
    from reports.rendering import render_pdf_file, write_content
    from reports.report_kinds import registration_forms
    from reports.services import build_file

    chief = User.objects.get(username="chief")
    quarter = ReportPeriod(2026, quarter=1)
    organ = Unit.objects.get(parent=None)
    registration = ReportRequest(get_kind("registration"), ReportTarget(unit=organ), quarter, chief)
    out = Path(tempfile.mkdtemp(prefix="zhibu-bench-pack-"))
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), cpu_seconds()
    if mode == "pack":
        built = build_file(ReportRequest(get_kind("pack"), ReportTarget(unit=organ), quarter, chief), "zip", out)
        forms, size = len(registration_forms(registration)), built.stat().st_size
    elif mode == "forms":
        content = registration.kind.collect(registration)
        files = write_content(registration, content, "pdf", out) + write_content(registration, content, "xlsx", out)
        forms, size = len(content.items), sum(path.stat().st_size for path in files)
    elif mode == "division":
        unit = Unit.objects.get(name=f"第{division + 1}处")
        request = ReportRequest(get_kind("registration"), ReportTarget(unit=unit), quarter, chief)
        built = build_file(request, "pdf", out)
        forms, size = len(registration_forms(request)), built.stat().st_size
    else:  # naive: one document per form
        content = registration.kind.collect(registration)
        forms, size = len(content.items), 0
        for index, form in enumerate(content.items):
            path = out / f"{index}.pdf"
            render_pdf_file(content.template, {"title": content.title, "items": [form], "offset": index,
                                               "period": quarter, "target": registration.target}, path)  # fmt: skip
            size += path.stat().st_size
            path.unlink()
        size += write_content(registration, content, "xlsx", out)[0].stat().st_size
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    return {"mode": mode, "forms": forms, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "bytes": size,
            "chunk": settings.ZHIBU_REPORT_PDF_CHUNK, "load": (load_before + os.getloadavg()[0]) / 2}  # fmt: skip


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


def per_form(result: dict) -> str:
    return (f"{result['seconds']:.1f} s = {result['seconds'] / result['forms']:.3f} s/form "
            f"(CPU {result['cpu'] / result['forms']:.3f} s/form), peak {result['peak_mb']:.0f} MB, "
            f"load {result['load']:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--skip-naive", action="store_true", help="the naive run takes about 3× the others")
    parser.add_argument("--child")
    parser.add_argument("--db")
    parser.add_argument("--division", type=int)
    args = parser.parse_args()
    if args.child:
        setup_django(Path(args.db))
        print(json.dumps(measure(args.child, args.division)))
        return
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="zhibu-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        setup_django(db)
        started = time.perf_counter()
        seed(args.forms)
        print(f"seeded {args.forms} appraisees in {time.perf_counter() - started:.0f} s")
        forms = result_of(child(db, "forms"))
        print(f"forms as the pack builds them (PDF in parts of {forms['chunk']}, Excel summary): {per_form(forms)}")
        naive = None if args.skip_naive else result_of(child(db, "naive"))
        if naive:
            print(f"naive (one document per form, Excel summary): {per_form(naive)}")
            print(f"speed ratio naive/pack per form: {naive['seconds'] / forms['seconds']:.2f}× wall clock, "
                  f"{naive['cpu'] / forms['cpu']:.2f}× CPU (target ≥ 3×)")  # fmt: skip
        pack = result_of(child(db, "pack"))
        print(f"whole quarterly pack (every kind, zipped): {per_form(pack)}, zip {pack['bytes']:,} B")
        if naive:
            print(f"  whole pack per form against the naive forms alone: {naive['seconds'] / pack['seconds']:.2f}× "
                  f"wall clock, {naive['cpu'] / pack['cpu']:.2f}× CPU")  # fmt: skip
        # Wall clock around the processes in both cases, start-up included, so that the two compare alike.
        started = time.perf_counter()
        serial = [result_of(child(db, "division", d)) for d in range(DIVISIONS)]
        one_worker = time.perf_counter() - started
        started = time.perf_counter()
        parallel_processes = [child(db, "division", d) for d in range(DIVISIONS)]
        parallel = [result_of(p) for p in parallel_processes]
        parallel_wall = time.perf_counter() - started
    print(
        f"one worker (two divisions in turn): {one_worker:.1f} s; two workers at once: {parallel_wall:.1f} s; "
        f"speed-up {one_worker / parallel_wall:.2f}× (target near 2×, load {parallel[0]['load']:.1f}); peak per "
        f"process {max(r['peak_mb'] for r in [forms, pack, *serial, *parallel]):.0f} MB (target < 500 MB)"
    )
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
