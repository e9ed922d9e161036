"""The period a report covers: a month, a quarter or a year, with its label and dates."""

import calendar
import datetime
from dataclasses import dataclass

QUARTER_NAMES = "一二三四"


@dataclass(frozen=True)
class ReportPeriod:
    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def kind(self) -> str:
        if self.month is not None:
            return "month"
        return "quarter" if self.quarter is not None else "year"

    @property
    def label(self) -> str:
        if self.month is not None:
            return f"{self.year}年{self.month}月"
        if self.quarter is not None:
            return f"{self.year}年第{QUARTER_NAMES[self.quarter - 1]}季度"
        return f"{self.year}年度"

    @property
    def start(self) -> datetime.date:
        if self.month is not None:
            return datetime.date(self.year, self.month, 1)
        if self.quarter is not None:
            return datetime.date(self.year, self.quarter * 3 - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        last_month = self.month or (self.quarter * 3 if self.quarter else 12)
        return datetime.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def months(self) -> list[int]:
        return list(range(self.start.month, self.end.month + 1))

    def months_as_periods(self) -> list["ReportPeriod"]:
        return [ReportPeriod(self.year, month=m) for m in self.months]

    def quarters_as_periods(self) -> list["ReportPeriod"]:
        if self.quarter is not None:
            return [ReportPeriod(self.year, quarter=self.quarter)]
        return [ReportPeriod(self.year, quarter=q) for q in range(1, 5)]

    def slug(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        return f"{self.year}Q{self.quarter}" if self.quarter is not None else f"{self.year}"

    @classmethod
    def parse(cls, text: str) -> "ReportPeriod":
        """2026, 2026Q1 or 2026-03 (the build_report command's --period)."""
        text = text.strip().upper()
        try:
            if "Q" in text:
                year, quarter = text.split("Q")
                if not 1 <= int(quarter) <= 4:
                    raise ValueError
                return cls(int(year), quarter=int(quarter))
            if "-" in text:
                year, month = text.split("-")
                if not 1 <= int(month) <= 12:
                    raise ValueError
                return cls(int(year), month=int(month))
            return cls(int(text))
        except ValueError:
            raise ValueError(f"期间格式不正确：{text}（应为 2026、2026Q1 或 2026-03）") from None
