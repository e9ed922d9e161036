"""Report data made through the services: the 2026 appraisal cycle of appraisal/tests/conftest.py (办公室: 张小丽,
李建国, 欧阳静, 孙明, signed by 林志远), a published first quarter, monthly logs and meetings."""

import datetime
import subprocess
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from appraisal.feedback import group_publish
from appraisal.models import Grade
from appraisal.services import TaskEntry, monthly_log_comment, monthly_log_save, monthly_log_submit
from appraisal.tests.conftest import cycle, group, summaries  # noqa: F401  (fixtures)
from appraisal.tests.test_feedback import sign
from members.tests.pdfs import pdf_text
from tests.factories import MeetingFactory

Q1_GRADES = {"张小丽": Grade.COMPETENT, "李建国": Grade.BASIC, "欧阳静": Grade.COMPETENT, "孙明": Grade.INCOMPETENT}


@pytest.fixture
def appraisal_q1(personas, group, summaries):  # noqa: F811
    """First quarter signed by Lin and published by the chief officer."""
    ratings = sign(group, Q1_GRADES, by=personas.lin)
    group_publish(group=group, period=1, by=personas.chief)
    return SimpleNamespace(group=group, ratings=ratings)


@pytest.fixture
def march_logs(personas):
    """张小丽 submits her March log with two tasks; 李建国 comments it as her unit head."""
    log = monthly_log_save(
        person=personas.people.alice,
        year=2026,
        month=3,
        fields={"duties": "负责公文收发", "attendance_days": 21, "leave_days": 1, "study_training": "参加党纪学习",
                "integrity": "遵守中央八项规定", "next_month_plan": "完成档案整理"},
        tasks=[TaskEntry("起草季度工作总结", "已完成", datetime.date(2026, 3, 20)),
               TaskEntry("=SUM(A1:A2)", "完成", datetime.date(2026, 3, 25))],
        expected_version=None,
        by=personas.alice,
    )  # fmt: skip
    log = monthly_log_submit(log=log, by=personas.alice, today=datetime.date(2026, 3, 31))
    return monthly_log_comment(log=log, comment="工作扎实", by=personas.bob)


@pytest.fixture
def meetings(org):
    MeetingFactory(organization=org.branch_1, kind="committee_meeting", held_on=datetime.date(2026, 1, 15))
    MeetingFactory(organization=org.branch_1, kind="party_lecture", held_on=datetime.date(2026, 2, 10))


def read_pdf(path: Path, tmp_path: Path) -> str:
    return pdf_text(path.read_bytes(), tmp_path)


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def embedded_cjk(path: Path) -> bool:
    """pdffonts lists the Noto Serif CJK subset with emb = yes and sub = yes."""
    for line in pdf_fonts(path).splitlines():
        if "Noto-Serif-CJK-SC" in line:
            columns = line.split()
            return columns[-5:-3] == ["yes", "yes"]
    return False


def xlsx_sheets(content: bytes | Path) -> dict[str, list[tuple]]:
    source = BytesIO(content) if isinstance(content, bytes) else content
    workbook = load_workbook(source)
    return {ws.title: list(ws.values) for ws in workbook.worksheets}
