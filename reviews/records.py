"""Writes of the yearly party-review records (DOMAIN.md §7): leader commentaries on three levels, public commitments
with their fulfilment, star ratings of members (党员评星定级) and the secretaries' yearly reports (双述双评).

Who writes what:
- the branch's records are kept by its organisers: the secretaries and officers whose scope covers the branch
  (reviews.permissions.may_organise);
- what the upper level says about the branch — its commentary on the branch and its assessment of the secretary's
  report — is recorded by the upper level only (an officer or secretary whose scope covers the branch's parent):
  the branch does not write its own judgement;
- a member writes the content of their own commitment; its fulfilment is recorded by the organisers, who check the
  evidence (a member does not attest their own fulfilment).

A committee-level rule uses the committee in force on the record's date: the term elected last on or before it.
Refusals are ValidationErrors with a Chinese message, keyed by form field where one fits (core.forms.
add_service_errors).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import CommitteePost, PartyOrganization
from core.audit import audit_record
from core.models import User
from members.models import Person

from .commentary import items_clean
from .models import CommentaryLevel, LeaderCommentary, PublicCommitment, Satisfaction, SecretaryReport, StarRating
from .permissions import may_organise
from .records_selectors import branch_members, committee_in_force, committee_posts, year_end_or_today

FINAL_FULFILMENTS = (PublicCommitment.Fulfilment.FULFILLED, PublicCommitment.Fulfilment.UNFULFILLED)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_branch(branch: PartyOrganization) -> None:
    if branch.kind != PartyOrganization.Kind.BRANCH:
        raise ValidationError({"branch": _("请选择一个党支部。")})


def may_record_upper(actor: User, branch: PartyOrganization) -> bool:
    """The upper level of the branch: a scope covering its parent organisation."""
    return branch.parent_id is not None and may_organise(actor, organization_id=branch.parent_id)


def may_record_commentary(actor: User, level: str, branch: PartyOrganization) -> bool:
    """The upper level comments on a branch; the branch's own keepers record the commentary inside it."""
    if level == CommentaryLevel.UPPER_ON_BRANCH:
        return may_record_upper(actor, branch)
    return may_organise(actor, organization_id=branch.pk)


def _check_year(year: int) -> None:
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": _("年度须在2000年至今年之间。")})


def _is_member(branch: PartyOrganization, person: Person, on: datetime.date) -> bool:
    return branch_members(branch_id=branch.pk, on=on).filter(pk=person.pk).exists()


# ---- Leader commentary (领导点评) ---------------------------------------------------------------------------------


def _commentary_people_check(
    *, level: str, branch: PartyOrganization, person: Person, commentator: Person, on: datetime.date
) -> str:
    """The secretary comments on the other committee members; a committee member (the secretary included) on the
    branch's members who are not on the committee. Returns the commentator's post."""
    term = committee_in_force(organization_id=branch.pk, on=on)
    if term is None:
        raise ValidationError(
            _("%(branch)s在%(on)s没有在任的支部委员会，请先登记换届选举。")
            % {"branch": branch.name, "on": f"{on:%Y-%m-%d}"}
        )
    posts = committee_posts(term)
    if level == CommentaryLevel.SECRETARY_ON_COMMITTEE:
        if posts.get(commentator.pk) != CommitteePost.SECRETARY:
            raise ValidationError({"commentator": _("点评支委委员的须是本支部的书记。")})
        if person.pk not in posts or person.pk == commentator.pk:
            raise ValidationError({"person": _("%(name)s 不是本届支委委员（书记除外）。") % {"name": person.name}})
    else:
        if commentator.pk not in posts:
            raise ValidationError({"commentator": _("%(name)s 不是本届支委委员。") % {"name": commentator.name}})
        if person.pk in posts:
            raise ValidationError({"person": _("%(name)s 是支委委员，应由书记点评。") % {"name": person.name}})
        if not _is_member(branch, person, on):
            raise ValidationError({"person": _("%(name)s 不是本支部的党员。") % {"name": person.name}})
    return CommitteePost(posts[commentator.pk]).label


@transaction.atomic
def commentary_record(
    *,
    actor: User,
    year: int,
    level: str,
    branch: PartyOrganization,
    person: Person | None = None,
    commentator: Person | None = None,
    commentator_name: str = "",
    commentator_post: str = "",
    commented_on: datetime.date,
    items: dict[str, str],
    strengths: str = "",
    improvements: str,
) -> LeaderCommentary:
    """Record one leader commentary (§7) with every listed item of its level (reviews.commentary.ITEMS):
    - upper_on_branch: about the branch, no person; recorded by the upper level; the leader may be outside the
      system, so the name and post are written out;
    - secretary_on_committee: the commentator is the secretary of the committee in force, the person another
      member of that committee;
    - committee_on_member: the commentator is on that committee, the person a member of the branch who is not.
    One commentary per branch and year at the upper level, per person, level and year below it."""
    if level not in CommentaryLevel.values:
        raise ValidationError({"level": _("点评层级不正确。")})
    _require_branch(branch)
    upper = level == CommentaryLevel.UPPER_ON_BRANCH
    _require(may_record_commentary(actor, level, branch))
    _check_year(year)
    _check_commented_on(commented_on, year)
    if upper:
        if person is not None:
            raise ValidationError({"person": _("上级领导点评的是支部，不填被点评人。")})
    else:
        if person is None:
            raise ValidationError({"person": _("请选择被点评人。")})
        if commentator is None:
            raise ValidationError({"commentator": _("请选择点评人。")})
        post = _commentary_people_check(
            level=level, branch=branch, person=person, commentator=commentator, on=commented_on
        )
        # The commentator is someone in the system: their name as recorded there.
        commentator_name = commentator.name
        commentator_post = commentator_post.strip() or str(post)
    commentator_name, commentator_post = commentator_name.strip(), commentator_post.strip()
    if not commentator_name:
        raise ValidationError({"commentator_name": _("请填写点评人姓名。")})
    cleaned, missing = items_clean(level, items)
    if missing:
        raise ValidationError(
            _("以下点评内容未填写：%(items)s。") % {"items": "、".join(str(item.label) for item in missing)}
        )
    improvements = improvements.strip()
    if not improvements:
        raise ValidationError({"improvements": _("请指出需要改进的地方。")})
    if upper:
        taken = LeaderCommentary.objects.filter(year=year, branch=branch, level=level)
        taken_message = _("%(branch)s %(year)s年度已有上级领导点评。") % {"branch": branch.name, "year": year}
    else:
        taken = LeaderCommentary.objects.filter(year=year, person=person, level=level)
        taken_message = _("%(name)s %(year)s年度已有“%(level)s”。") % {
            "name": person.name,
            "year": year,
            "level": CommentaryLevel(level).label,
        }
    if taken.exists():
        raise ValidationError(taken_message)
    try:
        with transaction.atomic():
            commentary = LeaderCommentary.objects.create(
                year=year,
                level=level,
                branch=branch,
                person=person,
                commentator=commentator,
                commentator_name=commentator_name,
                commentator_post=commentator_post,
                commented_on=commented_on,
                items=cleaned,
                strengths=strengths.strip(),
                improvements=improvements,
                recorded_by=actor,
            )
    except IntegrityError:  # recorded by someone else a moment ago
        raise ValidationError(taken_message) from None
    audit_record(
        actor=actor,
        action="commentary.record",
        obj=commentary,
        summary=f"{year} {CommentaryLevel(level).label} {person.name if person else branch.name}（{commentator_name}）",
        data={"level": level, "branch": branch.pk, "person": person.pk if person else None, "year": year},
    )
    return commentary


def _check_commented_on(commented_on: datetime.date, year: int) -> None:
    if commented_on > timezone.localdate():
        raise ValidationError({"commented_on": _("点评日期不能晚于今天。")})
    if commented_on.year < year:
        raise ValidationError({"commented_on": _("点评日期不能早于所点评的年度。")})


@transaction.atomic
def commentary_correct(
    *,
    actor: User,
    commentary: LeaderCommentary,
    commented_on: datetime.date,
    items: dict[str, str],
    strengths: str = "",
    improvements: str,
) -> LeaderCommentary:
    """Correct what a commentary records (a typing mistake, a missed sentence): its date and texts, by whoever may
    record it. Who commented on whom stays: a commentary by someone else or on someone else is another one. The
    audit row keeps the text before the correction."""
    locked = LeaderCommentary.objects.select_for_update().get(pk=commentary.pk)
    branch = locked.branch
    _require(may_record_commentary(actor, locked.level, branch))
    _check_commented_on(commented_on, locked.year)
    cleaned, missing = items_clean(locked.level, items)
    if missing:
        raise ValidationError(
            _("以下点评内容未填写：%(items)s。") % {"items": "、".join(str(item.label) for item in missing)}
        )
    improvements = improvements.strip()
    if not improvements:
        raise ValidationError({"improvements": _("请指出需要改进的地方。")})
    before = {
        "commented_on": locked.commented_on.isoformat(),
        "items": locked.items,
        "strengths": locked.strengths,
        "improvements": locked.improvements,
    }
    locked.commented_on, locked.items = commented_on, cleaned
    locked.strengths, locked.improvements = strengths.strip(), improvements
    locked.save(update_fields=["commented_on", "items", "strengths", "improvements"])
    audit_record(
        actor=actor,
        action="commentary.correct",
        obj=locked,
        summary=f"{locked.year} {locked.get_level_display()} {locked.person.name if locked.person else branch.name}",
        data={"before": before},
    )
    commentary.refresh_from_db()
    return locked


# ---- Public commitments (公开承诺) --------------------------------------------------------------------------------


def may_write_commitment(actor: User, branch: PartyOrganization, person: Person | None) -> bool:
    """The organisers of the branch, or the member for their own commitment."""
    own = person is not None and person.user_id is not None and person.user_id == actor.pk
    return own or may_organise(actor, organization_id=branch.pk)


def _check_made_on(year: int, made_on: datetime.date) -> None:
    if made_on > timezone.localdate():
        raise ValidationError({"made_on": _("承诺日期不能晚于今天。")})
    # Made at the start of the year, or at the end of the one before.
    if made_on.year not in (year - 1, year):
        raise ValidationError({"made_on": _("承诺日期须在该年度或上一年度内。")})


@transaction.atomic
def commitment_make(
    *,
    actor: User,
    year: int,
    branch: PartyOrganization,
    person: Person | None = None,
    content: str,
    made_on: datetime.date,
) -> PublicCommitment:
    """A public commitment of the branch (no person) or of one of its members for the year (§7)."""
    _require_branch(branch)
    _require(may_write_commitment(actor, branch, person))
    # A commitment may be made at the end of the year before: the coming year is allowed.
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationError({"year": _("年度须在2000年至明年之间。")})
    _check_made_on(year, made_on)
    content = content.strip()
    if not content:
        raise ValidationError({"content": _("请填写承诺内容。")})
    if person is not None and not _is_member(branch, person, made_on):
        raise ValidationError({"person": _("%(name)s 不是本支部的党员。") % {"name": person.name}})
    subject = person.name if person else branch.name
    taken_message = _("%(subject)s %(year)s年度已有公开承诺，请修改原有的承诺。") % {"subject": subject, "year": year}
    taken = (
        PublicCommitment.objects.filter(year=year, person=person)
        if person
        else PublicCommitment.objects.filter(year=year, branch=branch, person__isnull=True)
    )
    if taken.exists():
        raise ValidationError(taken_message)
    try:
        with transaction.atomic():
            commitment = PublicCommitment.objects.create(
                year=year, branch=branch, person=person, content=content, made_on=made_on, updated_by=actor
            )
    except IntegrityError:
        raise ValidationError(taken_message) from None
    audit_record(
        actor=actor,
        action="commitment.make",
        obj=commitment,
        summary=f"{year} {subject}",
        data={"branch": branch.pk, "person": person.pk if person else None, "content": content},
    )
    return commitment


@transaction.atomic
def commitment_update(
    *, actor: User, commitment: PublicCommitment, content: str, made_on: datetime.date
) -> PublicCommitment:
    """Correct the content of a commitment, until its fulfilment is settled (已兑现 / 未兑现): a commitment judged
    against its promise is not rewritten afterwards."""
    locked = (
        PublicCommitment.objects.select_for_update(of=("self",))
        .select_related("branch", "person")
        .get(pk=commitment.pk)
    )
    _require(may_write_commitment(actor, locked.branch, locked.person))
    if locked.fulfilment in FINAL_FULFILMENTS:
        raise ValidationError(_("兑现情况已确定，承诺内容不能再修改。"))
    _check_made_on(locked.year, made_on)
    content = content.strip()
    if not content:
        raise ValidationError({"content": _("请填写承诺内容。")})
    old = {"content": locked.content, "made_on": locked.made_on.isoformat()}
    locked.content, locked.made_on, locked.updated_by = content, made_on, actor
    locked.save(update_fields=["content", "made_on", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="commitment.update",
        obj=locked,
        summary=f"{locked.year} {locked.person or locked.branch}",
        data={"old": old, "new": {"content": content, "made_on": made_on.isoformat()}},
    )
    return locked


@transaction.atomic
def commitment_update_fulfilment(
    *, actor: User, commitment: PublicCommitment, fulfilment: str, note: str = "", evidence: str = ""
) -> PublicCommitment:
    """Record how far a commitment is fulfilled (§7), by the branch's organisers. 已兑现 needs its evidence
    (佐证材料); 未兑现 needs the reason in the note."""
    locked = (
        PublicCommitment.objects.select_for_update(of=("self",))
        .select_related("branch", "person")
        .get(pk=commitment.pk)
    )
    _require(may_organise(actor, organization_id=locked.branch_id))
    if fulfilment not in PublicCommitment.Fulfilment.values:
        raise ValidationError({"fulfilment": _("兑现情况不正确。")})
    note, evidence = note.strip(), evidence.strip()
    if fulfilment == PublicCommitment.Fulfilment.FULFILLED and not evidence:
        raise ValidationError({"evidence": _("登记为“已兑现”须附佐证材料。")})
    if fulfilment == PublicCommitment.Fulfilment.UNFULFILLED and not note:
        raise ValidationError({"fulfilment_note": _("登记为“未兑现”须说明原因。")})
    old = {"fulfilment": locked.fulfilment, "note": locked.fulfilment_note, "evidence": locked.evidence}
    locked.fulfilment, locked.fulfilment_note, locked.evidence, locked.updated_by = fulfilment, note, evidence, actor
    locked.save(update_fields=["fulfilment", "fulfilment_note", "evidence", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="commitment.fulfilment",
        obj=locked,
        summary=f"{locked.year} {locked.person or locked.branch}：{locked.get_fulfilment_display()}",
        data={"old": old, "new": {"fulfilment": fulfilment, "note": note, "evidence": evidence}},
    )
    return locked


# ---- Star rating (党员评星定级) -----------------------------------------------------------------------------------


@transaction.atomic
def star_rating_set(
    *, actor: User, year: int, branch: PartyOrganization, person: Person, stars: int, reasons: str
) -> StarRating:
    """One to five stars for a member of the branch for the year, with the reasons (§7, from 004_…). Rating the
    same member again in the year changes the rating; both are in the audit trail."""
    _require_branch(branch)
    _require(may_organise(actor, organization_id=branch.pk))
    _check_year(year)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("星级为一至五星。")})
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError({"reasons": _("请填写评定理由。")})
    if not _is_member(branch, person, year_end_or_today(year)):
        raise ValidationError({"person": _("%(name)s 不是本支部的党员。") % {"name": person.name}})
    existing = StarRating.objects.select_for_update().filter(year=year, person=person).first()
    if existing is not None and existing.branch_id != branch.pk:
        raise ValidationError(
            _("%(name)s %(year)s年度已在%(branch)s评定星级。")
            % {"name": person.name, "year": year, "branch": existing.branch.name}
        )
    new = {"stars": stars, "reasons": reasons}
    if existing is None:
        try:
            with transaction.atomic():
                rating = StarRating.objects.create(
                    year=year, branch=branch, person=person, stars=stars, reasons=reasons, rated_by=actor
                )
        except IntegrityError:  # rated by someone else a moment ago
            raise ValidationError(_("%(name)s 刚刚已被评定星级，请刷新后重试。") % {"name": person.name}) from None
        audit_record(actor=actor, action="star_rating.set", obj=rating, summary=str(rating), data=new)
        return rating
    old = {"stars": existing.stars, "reasons": existing.reasons}
    existing.stars, existing.reasons, existing.rated_by = stars, reasons, actor
    existing.save(update_fields=["stars", "reasons", "rated_by", "rated_at"])
    audit_record(
        actor=actor, action="star_rating.update", obj=existing, summary=str(existing), data={"old": old, "new": new}
    )
    return existing


# ---- Secretaries' yearly reports (双述双评) -----------------------------------------------------------------------


UPPER_FIELDS = ("upper_assessment", "upper_comment")


@transaction.atomic
def secretary_report_save(
    *,
    actor: User,
    year: int,
    branch: PartyOrganization,
    secretary: Person,
    report: str,
    reported_to_members_on: datetime.date | None = None,
    members_assessment: str = "",
    reported_to_upper_on: datetime.date | None = None,
    upper_assessment: str = "",
    upper_comment: str = "",
) -> SecretaryReport:
    """Create or update the branch's 双述双评 of the year (§7, from 004_…): the secretary reports to the members and
    to the upper level and is assessed by both.

    - the secretary is the secretary of the committee in force on the first report date (before any report: on
      31 December of the year, or today while it runs);
    - an assessment is recorded only once its report has been given (a report date on or before today);
    - the upper level's assessment and comment are recorded by the upper level only (see the module docstring);
      the branch's organisers keep the report, the dates and the members' assessment."""
    _require_branch(branch)
    _check_year(year)
    existing = SecretaryReport.objects.select_for_update().filter(branch=branch, year=year).first()
    upper_values = {"upper_assessment": upper_assessment, "upper_comment": upper_comment.strip()}
    stored_upper = {f: getattr(existing, f) for f in UPPER_FIELDS} if existing else dict.fromkeys(UPPER_FIELDS, "")
    changes_upper = upper_values != stored_upper
    _require(may_organise(actor, organization_id=branch.pk) and (not changes_upper or may_record_upper(actor, branch)))
    report = report.strip()
    if not report:
        raise ValidationError({"report": _("请填写述职内容。")})
    today = timezone.localdate()
    start = datetime.date(year, 1, 1)
    for field, day in (
        ("reported_to_members_on", reported_to_members_on),
        ("reported_to_upper_on", reported_to_upper_on),
    ):
        if day is not None and day < start:
            raise ValidationError({field: _("述职日期不能早于所述职的年度。")})
    if members_assessment and members_assessment not in Satisfaction.values:
        raise ValidationError({"members_assessment": _("党员群众评议结果不正确。")})
    if upper_assessment and upper_assessment not in SecretaryReport.UpperAssessment.values:
        raise ValidationError({"upper_assessment": _("上级党组织考评结果不正确。")})
    if members_assessment and (reported_to_members_on is None or reported_to_members_on > today):
        raise ValidationError({"members_assessment": _("向党员群众述职之后才能登记评议结果。")})
    if upper_assessment and (reported_to_upper_on is None or reported_to_upper_on > today):
        raise ValidationError({"upper_assessment": _("向上级党组织述职之后才能登记考评结果。")})
    if upper_values["upper_comment"] and not upper_assessment:
        raise ValidationError({"upper_assessment": _("填写上级党组织评语时请同时登记考评结果。")})
    report_dates = [day for day in (reported_to_members_on, reported_to_upper_on) if day is not None]
    on = min(report_dates) if report_dates else year_end_or_today(year)
    term = committee_in_force(organization_id=branch.pk, on=on)
    if committee_posts(term).get(secretary.pk) != CommitteePost.SECRETARY:
        raise ValidationError(
            {"secretary": _("%(name)s 不是%(branch)s在任的书记。") % {"name": secretary.name, "branch": branch.name}}
        )
    values = {
        "secretary": secretary,
        "report": report,
        "reported_to_members_on": reported_to_members_on,
        "members_assessment": members_assessment,
        "reported_to_upper_on": reported_to_upper_on,
        **upper_values,
    }
    if existing is None:
        try:
            with transaction.atomic():
                saved = SecretaryReport.objects.create(year=year, branch=branch, recorded_by=actor, **values)
        except IntegrityError:
            raise ValidationError(_("%(branch)s %(year)s年度的双述双评刚刚已被他人登记，请刷新后重试。") % {
                "branch": branch.name, "year": year
            }) from None  # fmt: skip
        action, old = "secretary_report.record", None
    else:
        old = {field: _plain(getattr(existing, field)) for field in values}
        for field, value in values.items():
            setattr(existing, field, value)
        existing.recorded_by = actor
        existing.save()
        saved, action = existing, "secretary_report.update"
    new = {field: _plain(value) for field, value in values.items()}
    audit_record(
        actor=actor,
        action=action,
        obj=saved,
        summary=f"{branch.name} {year} {secretary.name}",
        data={"old": old, "new": new} if old else {"new": new},
    )
    return saved


def _plain(value):
    """A JSON value for the audit trail."""
    if isinstance(value, Person):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
