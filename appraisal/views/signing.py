"""The leader's signing pages (DOMAIN.md §5; issue 4 items 4 and 10): the groups and periods to sign, one group's
signing step with the live 优秀 quota, the signed ratings with their signature check, and corrections (更正)."""

import datetime
from collections.abc import Callable, Sequence
from html import escape  # Django's escape is this one, marked safe; the rows are marked safe once, whole

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core import otp
from core.exports import Sheet, xlsx_response

from .. import selectors_signing as selectors
from .. import services
from ..forms_signing import GroupSignForm, RatingReviseForm, Typed
from ..models import AppraisalGroup, Cycle, Delegation, Grade, Rating


def leader_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    entries = selectors.leader_home(user=request.user, today=today)
    if request.GET.get("export") == "xlsx":
        rows = [
            [
                e.group.cycle.year,
                e.group.cycle.name,
                e.group.name,
                "；".join(e.capacities),
                p.label,
                p.ends_on.day,
                p.status_label,
                p.signed,
                p.total,
            ]
            for e in entries
            for p in e.periods
        ]
        headers = ["年度", "考核周期", "考核组", "签署身份", "考核期", "签署日", "状态", "已签人数", "人数"]
        return xlsx_response(filename=f"领导评鉴-{today:%Y%m%d}.xlsx", sheets=[Sheet("领导评鉴", headers, rows)])
    return render(request, "appraisal/signing_home.html", {"entries": entries})


def _signing_group(
    request: HttpRequest, group_id: int, period: int, today: datetime.date
) -> tuple[AppraisalGroup, dict[int, Delegation]]:
    """The group if the user signs in it today (as leader, named rating leader or by delegation), else 404."""
    delegations = selectors.current_delegations(user=request.user, today=today)
    group = get_object_or_404(selectors.signing_groups(user=request.user, delegations=delegations), pk=group_id)
    if period not in group.cycle.periods:
        raise Http404
    return group, delegations


def sign(request: HttpRequest, group_id: int, period: int) -> HttpResponse:
    today = timezone.localdate()
    group, delegations = _signing_group(request, group_id, period, today)
    page = selectors.signing_page(group=group, period=period, user=request.user, today=today, delegations=delegations)
    if request.method == "GET" and request.GET.get("export") == "xlsx":
        return _signing_export(page)
    refusals: list[str] = []
    typed, excellent_typed = {}, 0
    if request.method == "POST":
        form = GroupSignForm(request.POST, rows=page.signable_rows, scored=page.scored)
        otp.step_up_field(request, form)
        typed, excellent_typed = form.typed(), form.typed_excellent(page.rules)
        if not form.is_valid():
            refusals = form.error_messages()
        elif refusal := otp.step_up_refusal(request, form):
            refusals = [refusal]
        else:
            try:
                ratings = services.group_sign(
                    group=group,
                    period=period,
                    entries=form.entries(),
                    password=form.cleaned_data["password"],
                    by=request.user,
                )
            except ValidationError as exc:
                refusals = exc.messages
            else:
                messages.success(
                    request,
                    _("已签署 %(n)d 人的评鉴（%(label)s）。") % {"n": len(ratings), "label": page.label},
                )
                return redirect("appraisal:sign", group_id=group.pk, period=period)
    return render(
        request,
        "appraisal/signing_group.html",
        {
            "page": page,
            "rows": _SigningRowsHtml(page)(page.rows, typed),
            "refusals": refusals,
            "excellent_count": page.excellent_signed + excellent_typed,
            "step_up": otp.step_up_needed(request),
        },
    )


def _url_for_pk(name: str) -> Callable[[int], str]:
    """pk -> the URL named `name` for that pk, reversed once rather than once a row."""
    marker = 2**31 - 1
    prefix, suffix = reverse(name, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _linebreaksbr(text: str) -> str:
    """The linebreaksbr filter, escaped."""
    return escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


class _SigningRowsHtml:
    """The rows of a group's signing table. Every appraisee of the group is on the one page, and in the template
    language a row cost about half a millisecond, so that a group of 200 took six times as long as one of 5
    (bench/signing_page.py); here the labels are translated and escaped once per page, and a row only escapes its
    own values. The markup is the template's: each input named for its appraisee and labelled with their name."""

    GRADE_CSS = {
        Grade.EXCELLENT: "text-bg-success",
        Grade.COMPETENT: "text-bg-light border",
        Grade.BASIC: "text-bg-warning",
        Grade.INCOMPETENT: "text-bg-danger",
    }

    def __init__(self, page: selectors.SigningPage) -> None:
        self.page = page
        self.t = {
            key: escape(text)
            for key, text in {
                "signed_summary": _("签署时的小结"),
                "summary": _("查看小结"),
                "no_summary": _("尚无季度小结"),
                "duties": _("履行职责情况"),
                "tasks": _("完成工作任务情况"),
                "attendance": _("出勤情况"),
                "unfinished": _("未完成工作说明"),
                "logs": _("查看月记实"),
                "grade": _("等次"),
                "score": _("得分"),
                "opinion": _("评鉴意见"),
                "pending": _("待签"),
                "recused": _("回避"),
                "points": _("分"),
                "verified": _("签名校验一致"),
                "tampered": _("内容已被改动，与签署时不一致"),
                "revise": _("更正"),
                "history": _("修订记录"),
                "reason": _("更正原因："),
                "no_leader": _("评鉴领导须回避（本人或亲属），待组织部门指定其他评鉴领导"),
            }.items()
        }
        self.grades = {value: escape(str(label)) for value, label in Grade.choices}
        self.choose = f'<option value="">{escape(_("请选择"))}</option>'
        self.options = self._options("")
        self.logs_url = escape(reverse("appraisal:appraisee_logs", args=[page.group.pk, page.period]))
        self.revise_url = _url_for_pk("appraisal:rating_revise")
        self.log_cells: dict[selectors.LogCell, str] = {}
        self.minutes: dict[datetime.datetime, str] = {}  # a group signed in one step shares one signing time

    def __call__(self, rows: Sequence[selectors.SigningRow], typed: dict[int, Typed]) -> SafeString:
        return mark_safe(  # noqa: S308  # nosec B308 B703  # every value a row shows is escaped where the row writes it
            "".join(self.row(number, row, typed.get(row.appraisee.pk)) for number, row in enumerate(rows, 1))
        )

    def _options(self, selected: str) -> str:
        return self.choose + "".join(
            f'<option value="{value}"{" selected" if value == selected else ""}>{label}</option>'
            for value, label in self.grades.items()
        )

    def row(self, number: int, row: selectors.SigningRow, typed: Typed | None) -> str:
        a, t = row.appraisee, self.t
        state = "open" if row.signable else "signed" if row.history else "recused"
        position = f" · {escape(a.position)}" if a.position else ""
        logs = f'<a href="{self.logs_url}?appraisee={a.pk}">{t["logs"]}</a><br>' if row.principal else ""
        return (
            f'<tr id="appraisee-{a.pk}" data-state="{state}"><td class="text-end text-muted">{number}</td>'
            f'<td class="text-nowrap"><div class="fw-semibold">{escape(a.name)}</div>'
            f'<div class="small text-muted">{escape(a.unit_name)}{position}</div></td>'
            f'<td class="small" style="max-width: 26rem">{self.summary(row.summary)}</td>'
            f'<td class="small text-nowrap">{logs}{"".join(map(self.log_cell, row.logs))}</td>'
            f"{self.inputs(row, typed) if row.signable else self.rating(row) if row.history else self.recused(row)}"
            "</tr>\n"
        )

    def summary(self, s: selectors.SummaryText | None) -> str:
        t = self.t
        if s is None:
            return f'<span class="text-danger">{t["no_summary"]}</span>'
        extra = ""
        if s.attendance:
            extra += f"<dt>{t['attendance']}</dt><dd>{_linebreaksbr(s.attendance)}</dd>"
        if s.unfinished_explanation:
            extra += f"<dt>{t['unfinished']}</dt><dd>{_linebreaksbr(s.unfinished_explanation)}</dd>"
        return (
            f"<details><summary>{t['signed_summary'] if s.signed else t['summary']}</summary>"
            f'<dl class="mb-0 mt-1"><dt>{t["duties"]}</dt><dd>{_linebreaksbr(s.duties)}</dd>'
            f"<dt>{t['tasks']}</dt><dd>{_linebreaksbr(s.tasks_completed)}</dd>{extra}</dl></details>"
        )

    def log_cell(self, cell: selectors.LogCell) -> str:
        html = self.log_cells.get(cell)
        if html is None:
            html = self.log_cells[cell] = (
                f'<span class="{cell.css}" title="{escape(cell.label)}">{cell.month}月</span> '
            )
        return html

    def inputs(self, row: selectors.SigningRow, typed: Typed | None) -> str:
        pk, name, t = row.appraisee.pk, escape(row.appraisee.name), self.t
        if self.page.scored:
            value = escape(typed.score) if typed else ""
            field = (
                f'<div class="d-flex align-items-center gap-1"><input type="number" name="score-{pk}" id="score-{pk}"'
                f' value="{value}" min="0" max="100" step="0.01" class="form-control form-control-sm"'
                f' style="width: 6rem" data-score aria-label="{name} {t["score"]}">'
                f'<span class="small text-nowrap" data-derived-for="score-{pk}"></span></div>'
            )
        else:
            options = self._options(typed.grade) if typed and typed.grade else self.options
            field = (
                f'<select name="grade-{pk}" class="form-select form-select-sm" data-grade'
                f' aria-label="{name} {t["grade"]}">{options}</select>'
            )
        opinion = escape(typed.opinion) if typed else ""
        return (
            f'<td>{field}</td><td><textarea name="opinion-{pk}" rows="2" class="form-control form-control-sm"'
            f' aria-label="{name} {t["opinion"]}">{opinion}</textarea></td>'
            f'<td class="small text-muted">{t["pending"]}</td>'
        )

    def rating(self, row: selectors.SigningRow) -> str:
        rating, t = row.rating, self.t
        recused = row.principal is None or row.recused
        recused = f'<span class="badge text-bg-secondary">{t["recused"]}</span> ' if recused else ""
        score = f' <span class="small">{rating.score:f} {t["points"]}</span>' if rating.score is not None else ""
        version = ""
        if rating.revision > 1:
            version = " · " + escape(_("第 %(n)s 版") % {"n": rating.revision})
        check = (
            f'<span class="text-success signature-ok">{t["verified"]}</span>'
            if row.verified
            else f'<span class="text-danger fw-bold signature-broken">{t["tampered"]}</span>'
        )
        revise = f' · <a href="{self.revise_url(rating.pk)}">{t["revise"]}</a>' if row.revisable else ""
        return (
            f'<td>{recused}<span class="badge {self.GRADE_CSS[rating.grade]}">{self.grades[rating.grade]}</span>'
            f"{score}</td>"
            f'<td class="small"><div style="white-space: pre-wrap">{escape(rating.opinion)}</div></td>'
            f'<td class="small"><div>{escape(row.signature.label)} <span class="text-muted">'
            f"{self.minute(rating.signed_at)}{version}</span></div><div>{check}{revise}</div>"
            f"{self.history(row) if rating.revision > 1 else ''}</td>"
        )

    def history(self, row: selectors.SigningRow) -> str:
        lines = []
        for line in row.history:
            r = line.rating
            score = f"（{r.score:f}）" if r.score is not None else ""
            reason = f'<br><span class="text-muted">{self.t["reason"]}{escape(r.revision_reason)}</span>'
            lines.append(
                f"<li>{self.grades[r.grade]}{score}，{escape(line.label)}，{self.minute(r.signed_at)}"
                f"{reason if r.revision_reason else ''}</li>"
            )
        return (
            f'<details class="mt-1"><summary>{self.t["history"]}</summary>'
            f'<ol class="ps-3 mb-0">{"".join(lines)}</ol></details>'
        )

    def minute(self, moment: datetime.datetime) -> str:
        """A signing time as the pages show it (the date filter's "Y-m-d H:i"), in local time."""
        text = self.minutes.get(moment)
        if text is None:
            text = self.minutes[moment] = f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
        return text

    def recused(self, row: selectors.SigningRow) -> str:
        if row.other_leader:
            note = escape(_("由 %(leader)s 评鉴，尚未签署") % {"leader": row.other_leader})
        else:
            note = self.t["no_leader"]
        return (
            f'<td><span class="badge text-bg-secondary">{self.t["recused"]}</span></td>'
            f'<td class="small text-muted" colspan="2">{note}</td>'
        )


def _signing_export(page: selectors.SigningPage) -> HttpResponse:
    grades = {value: str(label) for value, label in Grade.choices}
    rows = []
    for row in page.rows:
        rating = row.rating
        rows.append(
            [
                row.appraisee.name,
                row.appraisee.unit_name,
                row.appraisee.position,
                _("回避") if row.principal is None or row.recused else "",
                grades[rating.grade] if rating else "",
                rating.score if rating else None,
                rating.opinion if rating else "",
                row.signature.signer if rating else "",
                row.signature.on_behalf_of if rating else "",
                rating.signed_at if rating else None,
                rating.revision if rating else None,
                "" if rating is None else (_("一致") if row.verified else _("不一致")),
            ]
        )
    headers = ["姓名", "部门", "职务", "回避", "等次", "得分", "评鉴意见", "签署人", "代签对象", "签署时间", "修订版次",
               "签名校验"]  # fmt: skip
    name = f"{page.group.name}-{page.label}"
    return xlsx_response(filename=f"领导评鉴-{name}.xlsx", sheets=[Sheet(page.label, headers, rows)])


def rating_revise(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    rating = get_object_or_404(
        Rating.objects.visible_to(request.user).select_related(
            "person__unit", "group__cycle", "group__leader", "appraisee__rating_leader"
        ),
        pk=pk,
    )
    principal = services.signing_principal(group=rating.group, appraisee=rating.appraisee, by=request.user, today=today)
    if principal is None:
        raise PermissionDenied
    scored = rating.group.cycle.kind == Cycle.Kind.HALF_YEAR_SCORED
    form = RatingReviseForm(
        request.POST or None,
        scored=scored,
        initial={"grade": rating.grade, "score": rating.score, "opinion": rating.opinion},
    )
    otp.step_up_field(request, form)
    if request.method == "POST" and form.is_valid():
        if refusal := otp.step_up_refusal(request, form):
            form.add_error(otp.CODE_FIELD, refusal)
        else:
            grade, score, opinion, reason = form.revision()
            try:
                revision = services.rating_revise(
                    rating=rating,
                    grade=grade,
                    score=score,
                    opinion=opinion,
                    reason=reason,
                    password=form.cleaned_data["password"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("已签署 %(name)s 的更正（第 %(n)d 版），原评鉴已保留。")
                    % {"name": rating.person.name, "n": revision.revision},
                )
                return redirect("appraisal:sign", group_id=rating.group_id, period=rating.period)
    history = selectors.rating_history(rating)
    return render(
        request,
        "appraisal/signing_revise.html",
        {
            "rating": rating,
            "form": form,
            "history": history,
            "latest": history[-1].rating,
            "signature": next(line for line in history if line.rating.pk == rating.pk),
            "is_current": history[-1].rating.pk == rating.pk,
            "verified": services.rating_verify(rating),
            "label": selectors.period_label(rating.group.cycle, rating.period),
            "quota": selectors.revision_quota(rating),
            "scored": scored,
        },
    )


def appraisee_logs(request: HttpRequest, group_id: int, period: int) -> HttpResponse:
    """The monthly logs of the period for one appraisee (?appraisee=<id>), read-only, a click from the signing page."""
    group, delegations = _signing_group(request, group_id, period, timezone.localdate())
    try:
        appraisee_id = int(request.GET.get("appraisee", ""))
    except ValueError:
        raise Http404 from None
    logs = selectors.appraisee_logs(
        group=group, period=period, user=request.user, appraisee_id=appraisee_id, delegations=delegations
    )
    if logs is None:
        raise Http404
    return render(
        request,
        "appraisal/signing_logs.html",
        {"group": group, "period": period, "label": selectors.period_label(group.cycle, period), "logs": logs},
    )


urlpatterns = [
    path("sign/", leader_home, name="leader_home"),
    path("sign/<int:group_id>/<int:period>/", sign, name="sign"),
    path("sign/ratings/<int:pk>/revise/", rating_revise, name="rating_revise"),
    path("sign/<int:group_id>/<int:period>/logs/", appraisee_logs, name="appraisee_logs"),
]
