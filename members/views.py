from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from branches.models import PartyOrganization
from core.exports import Sheet, xlsx_response
from core.pagination import paginate, querystring_without_page

from . import selectors
from .forms import PersonFilterForm, StatisticsForm
from .models import Person
from .permissions import can_import_roster, can_see_identifiers, mask_id_number, mask_phone
from .roster import HEADERS as ROSTER_HEADERS
from .scopes import scope_for

# The export has the roster template's columns, so an exported list can be edited and imported again.
PERSON_EXPORT_HEADERS = ROSTER_HEADERS


def shown_identifiers(scope, person: Person) -> tuple[str, str]:
    if can_see_identifiers(scope, person):
        return person.id_number or "", person.phone
    return mask_id_number(person.id_number), mask_phone(person.phone)


def person_export_row(scope, person: Person) -> list:
    id_number, phone = shown_identifiers(scope, person)
    membership = getattr(person, "membership", None)
    return [
        person.name,
        person.get_gender_display(),
        person.ethnicity,
        person.birth_date,
        person.get_education_display(),
        id_number,
        phone,
        person.unit.name,
        person.position,
        person.rank,
        person.get_service_status_display(),
        membership.get_stage_display() if membership else "群众",
        membership.admitted_on if membership else None,
        membership.full_on if membership else None,
        membership.branch.name if membership else "",
        membership.group.name if membership and membership.group else "",
    ]


def person_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = PersonFilterForm(request.GET or None, user=request.user)
    people = selectors.person_list(user=request.user, **form.filters())
    if request.GET.get("export") == "xlsx":
        rows = (person_export_row(scope, p) for p in people.iterator(chunk_size=2000))
        return xlsx_response(
            filename=f"人员名册-{timezone.localdate():%Y%m%d}.xlsx",
            sheets=[Sheet("人员名册", PERSON_EXPORT_HEADERS, rows)],
        )
    page = paginate(request, people)
    for person in page.object_list:
        person.shown_id_number, person.shown_phone = shown_identifiers(scope, person)
    return render(
        request,
        "members/person_list.html",
        {
            "form": form,
            "page_obj": page,
            "querystring": querystring_without_page(request),
            "can_import": can_import_roster(scope),
        },
    )


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related(
            "unit", "membership", "membership__branch", "membership__group"
        ),
        pk=pk,
    )
    person.shown_id_number, person.shown_phone = shown_identifiers(scope, person)
    attendances = person.meeting_attendances.select_related("meeting", "meeting__organization").order_by(
        "-meeting__held_on"
    )[:20]
    return render(request, "members/person_detail.html", {"person": person, "attendances": attendances})


def structure_statistics(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = StatisticsForm(request.GET or None, user=request.user)
    organization = None
    on_date = timezone.localdate()
    if form.is_valid():
        organization = form.cleaned_data["organization"]
        on_date = form.cleaned_data["on_date"] or on_date
    if organization is not None:
        organization_ids = PartyOrganization.objects.subtree_ids([organization.pk]) & scope.organization_ids
    else:
        organization_ids = set(scope.organization_ids)
    statistics = selectors.structure_statistics(organization_ids=organization_ids, on_date=on_date)
    title = organization.name if organization else "我负责的全部组织"
    if request.GET.get("export") == "xlsx":
        rows = [["党员总数", "", statistics.total, 100 if statistics.total else 0]]
        rows += [[r.section or r.label, r.label if r.section else "", r.count, r.percent] for r in statistics.rows]
        return xlsx_response(
            filename=f"党员队伍结构-{title}-{on_date:%Y%m%d}.xlsx",
            sheets=[Sheet("党员队伍结构", ["项目", "分项", "人数", "占比（%）"], rows)],
        )
    return render(
        request,
        "members/structure_statistics.html",
        {
            "form": form,
            "statistics": statistics,
            "title": title,
            "querystring": querystring_without_page(request),
        },
    )
