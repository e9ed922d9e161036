"""Pages of the mid-level cadre appraisal (中层干部考核, DOMAIN.md §6): the exercises, set-up, the three score entry
pages (work performance by the officer, the principal leader's, each team member's own), the ranking with its
export, filing (备案), and the xlsx import. Thin views over appraisal.cadre_services and appraisal.cadre_selectors.

An exercise outside the user's reach does not exist (404); so does a scorer's entry page for anyone but that
scorer. What a user can see but may not do answers 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import otp
from core.exports import xlsx_response
from core.forms import add_service_errors
from core.pagination import paginate, querystring_without_page
from core.roles import Role
from members.scopes import scope_for
from reviews.models import Poll

from .. import cadre_selectors as selectors
from .. import cadre_services as services
from ..cadre_import import cadre_import_template, cadre_scores_import
from ..forms_cadre import CadresAddForm, ExerciseForm, FileForm, ImportForm, ScoresForm, people_by_unit
from ..models import CadreAppraisee, CadreExercise

# More errors than this are summarised: a wrong file can produce thousands.
ERRORS_SHOWN = 500
IMPORT_DONE = gettext_lazy("导入完成：评分 %(scores)d 项有变动，新录入表彰与处分 %(created)d 条"
                           "（已录入过、跳过 %(existing)d 条）。")  # fmt: skip
IMPORT_CHECKED = gettext_lazy("检查通过，可以导入：评分 %(scores)d 项将有变动，将新录入表彰与处分 %(created)d 条"
                              "（已录入过、跳过 %(existing)d 条）。")  # fmt: skip


def _exercise(request: HttpRequest, pk: int) -> CadreExercise:
    return get_object_or_404(selectors.exercises_visible_to(request.user), pk=pk)


def _managed(request: HttpRequest, pk: int) -> CadreExercise:
    """The exercise if the user runs it as an organisation officer: 404 outside their reach, 403 for a scorer."""
    exercise = _exercise(request, pk)
    if not services.can_manage(scope_for(request.user), exercise):
        raise PermissionDenied
    return exercise


# ---- The exercises -------------------------------------------------------------------------------------------


def exercise_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    exercises = selectors.exercises_visible_to(request.user).order_by("-year", "unit__sort_order", "unit_id")
    year = request.GET.get("year", "")
    if year.isdigit():
        exercises = exercises.filter(year=int(year))
    return render(
        request,
        "appraisal/cadre_exercises.html",
        {
            "page_obj": paginate(request, exercises),
            "year": year,
            "querystring": querystring_without_page(request),
            "can_create": services.can_create_exercises(scope),
            "person_id": scope.person_id,
            "team_exercise_ids": set(
                CadreExercise.objects.filter(team_members=scope.person_id).values_list("pk", flat=True)
            )
            if scope.person_id
            else set(),
        },
    )


def exercise_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not services.can_create_exercises(scope):
        raise PermissionDenied
    unit_ids = scope.units_for(Role.ORG_OFFICER)
    form = ExerciseForm(request.POST or None, unit_ids=unit_ids, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exercise = services.cadre_exercise_create(
                year=data["year"],
                unit=data["unit"],
                title=data["title"],
                principal_leader=data["principal_leader"],
                team_members=data["team_members"],
                cadres=data["cadres"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立%(title)s，并建立了民主测评。") % {"title": exercise.title})
            return redirect("appraisal:cadre_detail", pk=exercise.pk)
    return render(
        request,
        "appraisal/cadre_exercise_form.html",
        {
            "form": form,
            "exercise": None,
            "team_units": people_by_unit(form["team_members"]),
            "cadre_units": people_by_unit(form["cadres"]),
        },
    )


def exercise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    unit_ids = scope_for(request.user).units_for(Role.ORG_OFFICER)
    initial = {
        "title": exercise.title,
        "principal_leader": exercise.principal_leader_id,
        "team_members": list(exercise.team_members.values_list("pk", flat=True)),
    }
    form = ExerciseForm(request.POST or None, initial=initial, unit_ids=unit_ids, creating=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cadre_exercise_update(
                exercise=exercise,
                title=data["title"],
                principal_leader=data["principal_leader"],
                team_members=data["team_members"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("appraisal:cadre_detail", pk=exercise.pk)
    return render(
        request,
        "appraisal/cadre_exercise_form.html",
        {"form": form, "exercise": exercise, "team_units": people_by_unit(form["team_members"])},
    )


def exercise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    scope = scope_for(request.user)
    manager = services.can_manage(scope, exercise)
    appraisees = list(
        exercise.appraisees.select_related("person__unit").order_by(
            "person__unit__sort_order", "person__unit_id", "person__name", "pk"
        )
    )
    context = {
        "exercise": exercise,
        "appraisees": appraisees,
        "team": list(exercise.team_members.select_related("unit").order_by("name", "pk")),
        "manager": manager,
        "is_principal": services.is_principal_leader(scope, exercise),
        "is_team_member": services.is_team_member(scope, exercise),
        "can_see_ranking": services.can_see_ranking(scope, exercise),
    }
    if manager:
        team_counts = selectors.team_score_counts(exercise)
        context.update(
            progress=selectors.exercise_progress(exercise),
            team_counts=team_counts,
            rows=[(a, team_counts.get(a.pk, 0)) for a in appraisees],
        )
        can_change_cadres = (
            not exercise.is_filed and exercise.poll is not None and exercise.poll.status == Poll.Status.DRAFT
        )
        context["can_change_cadres"] = can_change_cadres
        if can_change_cadres:
            add_form = CadresAddForm(
                unit_ids=scope.units_for(Role.ORG_OFFICER), exclude=[a.person_id for a in appraisees]
            )
            context.update(add_form=add_form, add_units=people_by_unit(add_form["cadres"]))
    return render(request, "appraisal/cadre_exercise_detail.html", context)


@require_POST
def cadres_add(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    appraisees = exercise.appraisees.values_list("person_id", flat=True)
    form = CadresAddForm(request.POST, unit_ids=scope_for(request.user).units_for(Role.ORG_OFFICER), exclude=appraisees)
    if not form.is_valid():
        messages.error(request, _("请选择要添加的干部。"))
    else:
        try:
            added = services.cadre_appraisees_add(
                exercise=exercise, people=form.cleaned_data["cadres"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已添加 %(n)d 名被考核干部。") % {"n": len(added)})
    return redirect("appraisal:cadre_detail", pk=exercise.pk)


@require_POST
def cadre_remove(request: HttpRequest, pk: int, appraisee_pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    appraisee = get_object_or_404(CadreAppraisee.objects.select_related("person"), pk=appraisee_pk, exercise=exercise)
    try:
        services.cadre_appraisee_remove(appraisee=appraisee, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已移除%(name)s。") % {"name": appraisee.person.name})
    return redirect("appraisal:cadre_detail", pk=exercise.pk)


# ---- Score entry ---------------------------------------------------------------------------------------------


def _scores_page(request: HttpRequest, exercise: CadreExercise, kind: str, rows, enter) -> HttpResponse:
    form = ScoresForm(request.POST or None, rows=rows)
    refusals: list[str] = []
    if request.method == "POST":
        if not form.is_valid():
            refusals = form.error_messages()
        else:
            try:
                changed = enter(exercise=exercise, scores=form.scores(), by=request.user)
            except ValidationError as exc:
                refusals = exc.messages
            else:
                messages.success(request, _("已保存：%(n)d 项评分有变动。") % {"n": changed})
                return redirect(request.path)
    titles = {"work": _("工作实绩得分"), "principal": _("主要领导评分"), "team": _("班子成员评分")}
    return render(
        request,
        "appraisal/cadre_scores.html",
        {"exercise": exercise, "kind": kind, "title": titles[kind], "form": form, "refusals": refusals},
    )


def work_scores(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    return _scores_page(
        request, exercise, "work", selectors.work_entry_rows(exercise), services.cadre_work_scores_enter
    )


def principal_scores(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    if not services.is_principal_leader(scope_for(request.user), exercise):
        raise Http404
    return _scores_page(
        request, exercise, "principal", selectors.principal_entry_rows(exercise), services.cadre_principal_scores_enter
    )


def team_scores(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    scope = scope_for(request.user)
    if not services.is_team_member(scope, exercise):
        raise Http404
    return _scores_page(
        request,
        exercise,
        "team",
        selectors.team_entry_rows(exercise, scope.person_id),
        services.cadre_team_scores_enter,
    )


# ---- Ranking and filing --------------------------------------------------------------------------------------


def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise(request, pk)
    scope = scope_for(request.user)
    if not services.can_see_ranking(scope, exercise):
        raise PermissionDenied
    result = selectors.exercise_ranking(exercise)
    if request.GET.get("export") == "xlsx":
        state = "" if result.filed else "（暂定）"
        return xlsx_response(
            filename=f"{exercise.year}年度中层干部考核排名-{exercise.unit.name}{state}.xlsx",
            sheets=selectors.ranking_sheets(result),
        )
    return render(
        request,
        "appraisal/cadre_ranking.html",
        {"exercise": exercise, "ranking": result, "manager": services.can_manage(scope, exercise)},
    )


def exercise_file(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    if exercise.is_filed:
        messages.info(request, _("本次考核已经备案。"))
        return redirect("appraisal:cadre_ranking", pk=exercise.pk)
    form = FileForm(request.POST or None)
    otp.step_up_field(request, form)
    refusals: list[str] = []
    if request.method == "POST" and form.is_valid():
        if refusal := otp.step_up_refusal(request, form):
            refusals = [refusal]
        else:
            try:
                services.cadre_exercise_file(exercise=exercise, password=form.cleaned_data["password"], by=request.user)
            except ValidationError as exc:
                refusals = exc.messages
            else:
                messages.success(
                    request, _("%(title)s已备案，结果已记入各干部的考核实绩档案。") % {"title": exercise.title}
                )
                return redirect("appraisal:cadre_ranking", pk=exercise.pk)
    return render(
        request,
        "appraisal/cadre_file.html",
        {"exercise": exercise, "ranking": selectors.exercise_ranking(exercise), "form": form, "refusals": refusals},
    )


# ---- Import --------------------------------------------------------------------------------------------------


def import_scores(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = cadre_scores_import(
            exercise=exercise, file=form.cleaned_data["file"], by=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        counts = {
            "scores": result.scores_changed,
            "created": result.commendations_created,
            "existing": result.commendations_existing,
        }
        if result.ok and not result.dry_run:
            messages.success(request, IMPORT_DONE % counts)
            return redirect("appraisal:cadre_detail", pk=exercise.pk)
        if result.ok:
            messages.info(request, IMPORT_CHECKED % counts)
    return render(
        request,
        "appraisal/cadre_import.html",
        {
            "exercise": exercise,
            "form": form,
            "result": result,
            "errors": result.errors[:ERRORS_SHOWN] if result else [],
            "errors_hidden": max(len(result.errors) - ERRORS_SHOWN, 0) if result else 0,
        },
    )


def import_template(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = _managed(request, pk)
    return xlsx_response(
        filename=f"{exercise.year}年度中层干部考核评分导入模板-{exercise.unit.name}.xlsx",
        sheets=cadre_import_template(exercise),
    )


urlpatterns = [
    path("cadre/", exercise_list, name="cadre_exercises"),
    path("cadre/new/", exercise_create, name="cadre_create"),
    path("cadre/<int:pk>/", exercise_detail, name="cadre_detail"),
    path("cadre/<int:pk>/edit/", exercise_edit, name="cadre_edit"),
    path("cadre/<int:pk>/cadres/add/", cadres_add, name="cadre_cadres_add"),
    path("cadre/<int:pk>/cadres/<int:appraisee_pk>/remove/", cadre_remove, name="cadre_remove"),
    path("cadre/<int:pk>/work/", work_scores, name="cadre_work_scores"),
    path("cadre/<int:pk>/principal/", principal_scores, name="cadre_principal_scores"),
    path("cadre/<int:pk>/team/", team_scores, name="cadre_team_scores"),
    path("cadre/<int:pk>/ranking/", ranking, name="cadre_ranking"),
    path("cadre/<int:pk>/file/", exercise_file, name="cadre_file"),
    path("cadre/<int:pk>/import/", import_scores, name="cadre_import"),
    path("cadre/<int:pk>/import/template/", import_template, name="cadre_import_template"),
]
