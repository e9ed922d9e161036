"""The leader's signing pages (DOMAIN.md §5; issue 4 items 4 and 10): the groups and periods to sign, one group's
signing step with the live 优秀 quota, the signed ratings with their signature check, and corrections (更正)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Sheet, xlsx_response

from .. import selectors_signing as selectors
from .. import services
from ..forms_signing import GroupSignForm, RatingReviseForm
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
        typed, excellent_typed = form.typed(), form.typed_excellent(page.rules)
        if not form.is_valid():
            refusals = form.error_messages()
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
            "rows": [(row, typed.get(row.appraisee.pk)) for row in page.rows],
            "refusals": refusals,
            "excellent_count": page.excellent_signed + excellent_typed,
            "grade_choices": [(value, str(label)) for value, label in Grade.choices],
            "logs_url": reverse("appraisal:appraisee_logs", args=[group.pk, period]),
        },
    )


def _signing_export(page: selectors.SigningPage) -> HttpResponse:
    grades = {value: str(label) for value, label in Grade.choices}
    rows = []
    for row in page.rows:
        rating = row.rating
        rows.append(
            [
                row.person.name,
                row.person.unit.name,
                row.person.position,
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
    if request.method == "POST" and form.is_valid():
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
