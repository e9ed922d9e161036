"""Pages of the yearly party-review records (DOMAIN.md §7, issue 6 item 5): public commitments with their
fulfilment, leader commentaries on three levels, star ratings of members and secretaries' reports (双述双评).
Thin views over reviews.records (writes) and reviews.records_selectors (reads); every list exports to Excel.

A record outside the user's scope does not exist for them (404). The commentary, star-rating and report pages are
for the secretaries and officers (403 otherwise); the commitment pages also serve a member's own commitment.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from members.models import PARTY_MEMBER_STAGES, Person
from members.scopes import scope_for
from members.tables import WRAP, Column, table_response

from . import records
from .commentary import items_display
from .forms_records import (
    CommentaryCorrectForm,
    CommentaryFilterForm,
    CommentaryForm,
    CommentaryStartForm,
    CommitmentEditForm,
    CommitmentForm,
    FulfilmentForm,
    RecordsFilterForm,
    SecretaryReportForm,
    StarFilterForm,
    StarRatingForm,
)
from .models import CommentaryLevel, PublicCommitment, SecretaryReport, StarRating
from .permissions import may_organise
from .records_selectors import (
    branch_get,
    commentary_get,
    commentary_list,
    commitment_get,
    commitment_list,
    committee_in_force,
    secretary_of,
    secretary_report_list,
    star_rating_rows,
    year_end_or_today,
)


def _keeps_records(request: HttpRequest) -> bool:
    return bool(scope_for(request.user).organization_ids)


def _require_keeper(request: HttpRequest) -> None:
    if not _keeps_records(request):
        raise PermissionDenied


def _tabs(request: HttpRequest, active: str) -> list[dict]:
    """The four record pages side by side, for those who keep them."""
    if not _keeps_records(request):
        return []
    pages = [
        ("reviews:records_commitments", _("公开承诺")),
        ("reviews:records_commentaries", _("领导点评")),
        ("reviews:records_stars", _("党员评星定级")),
        ("reviews:records_reports", _("双述双评")),
    ]
    return [{"url": reverse(name), "label": label, "active": name == active, "count": None} for name, label in pages]


def _form_page(request: HttpRequest, *, title: str, form, back: str, submit: str, **extra) -> HttpResponse:
    return render(
        request,
        "reviews/records_form.html",
        {"title": title, "form": form, "back": back, "submit": submit, **extra},
        status=400 if form.is_bound and form.errors else 200,
    )


def _stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def _own_person(request: HttpRequest) -> Person | None:
    """The user as a party member, for writing their own commitment."""
    person = Person.objects.filter(user=request.user).select_related("membership__branch").first()
    membership = getattr(person, "membership", None) if person else None
    return person if membership is not None and membership.stage in PARTY_MEMBER_STAGES else None


# ---- Public commitments ------------------------------------------------------------------------------------------


def commitment_list_view(request: HttpRequest) -> HttpResponse:
    form = RecordsFilterForm(request.GET or None, user=request.user)
    items = commitment_list(user=request.user, **form.filters())
    user = request.user

    def editable(c: PublicCommitment) -> str:
        if c.fulfilment in records.FINAL_FULFILMENTS or not records.may_write_commitment(user, c.branch, c.person):
            return ""
        return reverse("reviews:records_commitment_edit", args=[c.pk])

    def fulfilment_link(c: PublicCommitment) -> str:
        if not may_organise(user, organization_id=c.branch_id):
            return ""
        return reverse("reviews:records_commitment_fulfilment", args=[c.pk])

    columns = [
        Column(_("年度"), lambda c: c.year),
        Column(_("党支部"), lambda c: c.branch.name),
        Column(_("承诺主体"), lambda c: c.person.name if c.person else _("（支部）")),
        Column(_("承诺内容"), lambda c: c.content, editable, css=WRAP),
        Column(_("承诺日期"), lambda c: c.made_on),
        Column(_("兑现情况"), lambda c: c.get_fulfilment_display(), fulfilment_link),
        Column(_("兑现说明"), lambda c: c.fulfilment_note, css=WRAP),
        Column(_("佐证材料"), lambda c: c.evidence, css=WRAP),
        Column(_("更新时间"), lambda c: c.updated_at),
    ]
    actions = []
    if _keeps_records(request):
        actions.append(
            {"label": _("登记公开承诺"), "url": reverse("reviews:records_commitment_create"), "css": "btn-danger"}
        )
    if _own_person(request) is not None:
        actions.append({"label": _("我的承诺"), "url": reverse("reviews:records_commitment_create") + "?own=1"})
    return table_response(
        request,
        title=_("公开承诺"),
        columns=columns,
        items=items,
        form=form,
        filename=_("公开承诺"),
        context={
            "tabs": _tabs(request, "reviews:records_commitments"),
            "actions": actions,
            "notes": _(
                "点击承诺内容修改承诺（兑现情况确定前）；点击兑现情况登记兑现与佐证材料（由支部书记或组织部门登记）。"
            ),
        },
    )


def commitment_create(request: HttpRequest) -> HttpResponse:
    own_person = _own_person(request)
    own = request.GET.get("own") == "1" or not _keeps_records(request)
    if own and own_person is None:
        raise PermissionDenied
    form = CommitmentForm(request.POST or None, user=request.user, own=own)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records.commitment_make(
                actor=request.user,
                year=data["year"],
                branch=own_person.membership.branch if own else data["branch"],
                person=own_person if own else data["person"],
                content=data["content"],
                made_on=data["made_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记公开承诺。"))
            return redirect("reviews:records_commitments")
    title = _("我的公开承诺") if own else _("登记公开承诺")
    intro = (
        _("所在支部：%(branch)s。兑现情况由支部书记核实后登记。") % {"branch": own_person.membership.branch.name}
        if own
        else ""
    )
    return _form_page(
        request, title=title, form=form, back=reverse("reviews:records_commitments"), submit=_("登记"), intro=intro
    )


def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = commitment_get(user=request.user, pk=pk)
    if not records.may_write_commitment(request.user, commitment.branch, commitment.person):
        raise PermissionDenied
    form = CommitmentEditForm(
        request.POST or None, initial={"content": commitment.content, "made_on": commitment.made_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            records.commitment_update(actor=request.user, commitment=commitment, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已修改公开承诺。"))
            return redirect("reviews:records_commitments")
    return _form_page(
        request,
        title=_("修改公开承诺"),
        form=form,
        back=reverse("reviews:records_commitments"),
        submit=_("保存"),
        intro=f"{commitment.year} {commitment.person or commitment.branch}",
    )


def commitment_fulfilment(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = commitment_get(user=request.user, pk=pk)
    if not may_organise(request.user, organization_id=commitment.branch_id):
        raise PermissionDenied
    form = FulfilmentForm(
        request.POST or None,
        initial={
            "fulfilment": commitment.fulfilment,
            "fulfilment_note": commitment.fulfilment_note,
            "evidence": commitment.evidence,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records.commitment_update_fulfilment(
                actor=request.user,
                commitment=commitment,
                fulfilment=data["fulfilment"],
                note=data["fulfilment_note"],
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记兑现情况。"))
            return redirect("reviews:records_commitments")
    return _form_page(
        request,
        title=_("登记承诺兑现情况"),
        form=form,
        back=reverse("reviews:records_commitments"),
        submit=_("保存"),
        intro=f"{commitment.year} {commitment.person or commitment.branch}：{commitment.content}",
    )


# ---- Leader commentary -------------------------------------------------------------------------------------------


def _items_text(commentary) -> str:
    return "\n".join(f"{label}：{text}" for label, text in items_display(commentary.level, commentary.items))


def commentary_list_view(request: HttpRequest) -> HttpResponse:
    _require_keeper(request)
    form = CommentaryFilterForm(request.GET or None, user=request.user)
    items = commentary_list(user=request.user, **form.filters())
    columns = [
        Column(_("年度"), lambda c: c.year),
        Column(_("点评层级"), lambda c: c.get_level_display()),
        Column(_("党支部"), lambda c: c.branch.name),
        Column(
            _("被点评对象"),
            lambda c: c.person.name if c.person else c.branch.name,
            lambda c: reverse("reviews:records_commentary_detail", args=[c.pk]),
        ),
        Column(_("点评人"), lambda c: c.commentator_name),
        Column(_("点评人职务"), lambda c: c.commentator_post),
        Column(_("点评日期"), lambda c: c.commented_on),
    ]
    if request.GET.get("export") == "xlsx":
        columns += [
            Column(_("点评内容"), _items_text),
            Column(_("主要优点"), lambda c: c.strengths),
            Column(_("需要改进的地方"), lambda c: c.improvements),
        ]
    return table_response(
        request,
        title=_("领导点评"),
        columns=columns,
        items=items,
        form=form,
        filename=_("领导点评"),
        context={
            "tabs": _tabs(request, "reviews:records_commentaries"),
            "actions": [
                {"label": _("记录领导点评"), "url": reverse("reviews:records_commentary_create"), "css": "btn-danger"}
            ],
            "notes": _("逐级点评：上级领导点评支部，支部书记点评支委委员，支委委员点评党员。"),
        },
    )


def commentary_create(request: HttpRequest) -> HttpResponse:
    """Two steps: the level and the branch (GET), then the commentary with one field per listed item."""
    _require_keeper(request)
    start = CommentaryStartForm(request.GET if "level" in request.GET else None, user=request.user)
    if not start.is_valid():
        return _form_page(
            request,
            title=_("记录领导点评"),
            form=start,
            back=reverse("reviews:records_commentaries"),
            submit=_("下一步"),
            method="get",
        )
    level, branch = start.cleaned_data["level"], branch_get(user=request.user, pk=start.cleaned_data["branch"].pk)
    if not records.may_record_commentary(request.user, level, branch):
        raise PermissionDenied
    form = CommentaryForm(request.POST or None, level=level, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commentary = records.commentary_record(
                actor=request.user,
                year=data["year"],
                level=level,
                branch=branch,
                person=data.get("person"),
                commentator=data.get("commentator"),
                commentator_name=data.get("commentator_name", ""),
                commentator_post=data["commentator_post"],
                commented_on=data["commented_on"],
                items=form.items(),
                strengths=data["strengths"],
                improvements=data["improvements"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录领导点评。"))
            return redirect("reviews:records_commentary_detail", pk=commentary.pk)
    return _form_page(
        request,
        title=CommentaryLevel(level).label,
        form=form,
        back=reverse("reviews:records_commentary_create"),
        submit=_("保存"),
        intro=_("%(branch)s。以下每项点评内容均须填写。") % {"branch": branch.name},
    )


def commentary_correct(request: HttpRequest, pk: int) -> HttpResponse:
    commentary = commentary_get(user=request.user, pk=pk)
    if not records.may_record_commentary(request.user, commentary.level, commentary.branch):
        raise PermissionDenied
    form = CommentaryCorrectForm(request.POST or None, commentary=commentary)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records.commentary_correct(
                actor=request.user,
                commentary=commentary,
                commented_on=data["commented_on"],
                items=form.items(),
                strengths=data["strengths"],
                improvements=data["improvements"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已更正领导点评。"))
            return redirect("reviews:records_commentary_detail", pk=commentary.pk)
    return _form_page(
        request,
        title=_("更正领导点评"),
        form=form,
        back=reverse("reviews:records_commentary_detail", args=[commentary.pk]),
        submit=_("保存更正"),
        intro=_("%(level)s · %(who)s（%(by)s）。点评人和被点评人不能更改；更正前的内容保留在审计记录中。")
        % {
            "level": commentary.get_level_display(),
            "who": commentary.person.name if commentary.person else commentary.branch.name,
            "by": commentary.commentator_name,
        },
    )


def commentary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commentary = commentary_get(user=request.user, pk=pk)
    may_correct = records.may_record_commentary(request.user, commentary.level, commentary.branch)
    return render(
        request,
        "reviews/records_commentary_detail.html",
        {
            "commentary": commentary,
            "items": items_display(commentary.level, commentary.items),
            "may_correct": may_correct,
        },
    )


# ---- Star rating -------------------------------------------------------------------------------------------------


def star_list(request: HttpRequest) -> HttpResponse:
    """The members of one branch in one year with their stars and reasons."""
    _require_keeper(request)
    form = StarFilterForm(request.GET, user=request.user)
    rows, branch, year = [], None, None
    if form.is_valid():
        branch, year = form.cleaned_data["branch"], form.cleaned_data["year"]
        rows = star_rating_rows(branch=branch, year=year, query=form.cleaned_data["q"])

    def rate_link(row) -> str:
        return reverse("reviews:records_star_set", args=[branch.pk, year, row.person.pk])

    columns = [
        Column(_("姓名"), lambda r: r.person.name),
        Column(_("星级"), lambda r: _stars(r.rating.stars) if r.rating else _("未评定"), rate_link),
        Column(_("评定理由"), lambda r: r.rating.reasons if r.rating else "", css=WRAP),
        Column(_("评定时间"), lambda r: r.rating.rated_at if r.rating else None),
    ]
    return table_response(
        request,
        title=_("党员评星定级") + (f" · {branch.name} {year}" if branch else ""),
        columns=columns,
        items=rows,
        form=form,
        filename=_("党员评星定级") + (f"-{branch.name}-{year}" if branch else ""),
        context={
            "tabs": _tabs(request, "reviews:records_stars"),
            "notes": _("点击星级评定或修改；同一年度再次评定即修改原评定，均记入操作日志。"),
        },
    )


def star_set(request: HttpRequest, branch_pk: int, year: int, person_pk: int) -> HttpResponse:
    _require_keeper(request)
    branch = branch_get(user=request.user, pk=branch_pk)
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_pk)
    if not may_organise(request.user, organization_id=branch.pk):
        raise PermissionDenied
    existing = StarRating.objects.filter(year=year, person=person, branch=branch).first()
    initial = {"stars": existing.stars, "reasons": existing.reasons} if existing else {}
    form = StarRatingForm(request.POST or None, initial=initial)
    back = reverse("reviews:records_stars") + f"?branch={branch.pk}&year={year}"
    if request.method == "POST" and form.is_valid():
        try:
            records.star_rating_set(actor=request.user, year=year, branch=branch, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已评定%(name)s的星级。") % {"name": person.name})
            return redirect(back)
    return _form_page(
        request,
        title=_("党员评星定级"),
        form=form,
        back=back,
        submit=_("保存"),
        intro=f"{branch.name} {year} · {person.name}",
    )


# ---- Secretaries' reports ----------------------------------------------------------------------------------------


def report_list(request: HttpRequest) -> HttpResponse:
    _require_keeper(request)
    form = RecordsFilterForm(request.GET or None, user=request.user)
    form.fields["q"].label = _("书记姓名")
    items = secretary_report_list(user=request.user, **form.filters())
    columns = [
        Column(_("年度"), lambda r: r.year),
        Column(
            _("党支部"),
            lambda r: r.branch.name,
            lambda r: reverse("reviews:records_report_form", args=[r.branch_id, r.year]),
        ),
        Column(_("支部书记"), lambda r: r.secretary.name),
        Column(_("向党员群众述职"), lambda r: r.reported_to_members_on),
        Column(_("党员群众评议"), lambda r: r.get_members_assessment_display()),
        Column(_("向上级党组织述职"), lambda r: r.reported_to_upper_on),
        Column(_("上级党组织考评"), lambda r: r.get_upper_assessment_display()),
        Column(_("上级党组织评语"), lambda r: r.upper_comment, css=WRAP),
    ]
    if request.GET.get("export") == "xlsx":
        columns.insert(3, Column(_("述职内容"), lambda r: r.report))
    return table_response(
        request,
        title=_("双述双评"),
        columns=columns,
        items=items,
        form=form,
        filename=_("双述双评"),
        context={
            "tabs": _tabs(request, "reviews:records_reports"),
            "actions": [
                {"label": _("登记双述双评"), "url": reverse("reviews:records_report_start"), "css": "btn-danger"}
            ],
            "notes": _("支部书记每年年底向党员群众和上级党组织述职，接受党员群众评议和上级党组织考评。"),
        },
    )


def report_start(request: HttpRequest) -> HttpResponse:
    """Choose the branch and the year, then the form of that branch's report."""
    _require_keeper(request)
    form = StarFilterForm(request.GET if "branch" in request.GET else {}, user=request.user)
    del form.fields["q"]
    if "branch" in request.GET and form.is_valid():
        return redirect("reviews:records_report_form", form.cleaned_data["branch"].pk, form.cleaned_data["year"])
    return _form_page(
        request,
        title=_("登记双述双评"),
        form=form,
        back=reverse("reviews:records_reports"),
        submit=_("下一步"),
        method="get",
    )


def report_form(request: HttpRequest, branch_pk: int, year: int) -> HttpResponse:
    _require_keeper(request)
    branch = branch_get(user=request.user, pk=branch_pk)
    if not may_organise(request.user, organization_id=branch.pk):
        raise PermissionDenied
    existing = SecretaryReport.objects.visible_to(request.user).filter(branch=branch, year=year).first()
    fields = [f for f in SecretaryReportForm.base_fields if f != "secretary"]
    initial = {f: getattr(existing, f) for f in fields} if existing else {}
    initial["secretary"] = (
        existing.secretary_id
        if existing
        else secretary_of(committee_in_force(organization_id=branch.pk, on=year_end_or_today(year)))
    )
    upper = records.may_record_upper(request.user, branch)
    form = SecretaryReportForm(request.POST or None, initial=initial, branch=branch, year=year, upper=upper)
    if request.method == "POST" and form.is_valid():
        try:
            records.secretary_report_save(actor=request.user, year=year, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存双述双评。"))
            return redirect("reviews:records_reports")
    return _form_page(
        request,
        title=_("双述双评"),
        form=form,
        back=reverse("reviews:records_reports"),
        submit=_("保存"),
        intro=f"{branch.name} {year}",
    )


urlpatterns = [
    path("records/commitments/", commitment_list_view, name="records_commitments"),
    path("records/commitments/new/", commitment_create, name="records_commitment_create"),
    path("records/commitments/<int:pk>/edit/", commitment_edit, name="records_commitment_edit"),
    path("records/commitments/<int:pk>/fulfilment/", commitment_fulfilment, name="records_commitment_fulfilment"),
    path("records/commentaries/", commentary_list_view, name="records_commentaries"),
    path("records/commentaries/new/", commentary_create, name="records_commentary_create"),
    path("records/commentaries/<int:pk>/", commentary_detail, name="records_commentary_detail"),
    path("records/commentaries/<int:pk>/correct/", commentary_correct, name="records_commentary_correct"),
    path("records/stars/", star_list, name="records_stars"),
    path("records/stars/<int:branch_pk>/<int:year>/<int:person_pk>/", star_set, name="records_star_set"),
    path("records/reports/", report_list, name="records_reports"),
    path("records/reports/new/", report_start, name="records_report_start"),
    path("records/reports/<int:branch_pk>/<int:year>/", report_form, name="records_report_form"),
]
