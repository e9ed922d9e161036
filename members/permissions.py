"""Yes/no predicates about people, and the masking of personal identifiers (DOMAIN.md §0)."""

from core.roles import Role

from .models import Person
from .scopes import Scope


def can_see_identifiers(scope: Scope, person: Person) -> bool:
    """ID and phone numbers in clear: one's own, and for the branch secretary and the organisation officer
    those in their scope. Unit heads and leaders see them masked."""
    if person.pk == scope.person_id:
        return True
    if person.unit_id in scope.identifier_unit_ids:
        return True
    membership = getattr(person, "membership", None)
    return membership is not None and membership.branch_id in scope.identifier_organization_ids


def can_import_roster(scope: Scope) -> bool:
    return scope.has_role(Role.ORG_OFFICER)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def keeps_party_records(scope: Scope) -> bool:
    """Development, dues, transfers and the ledgers are kept by branch secretaries and organisation officers."""
    return bool(scope.organization_ids) and (scope.has_role(Role.BRANCH_SECRETARY) or scope.has_role(Role.ORG_OFFICER))


def can_keep_party_record(scope: Scope, membership) -> bool:
    return keeps_party_records(scope) and membership.branch_id in scope.organization_ids


def can_handle_transfer(scope: Scope, transfer) -> bool:
    """The secretary or officer of the branch on either end of a transfer."""
    return keeps_party_records(scope) and (
        transfer.from_branch_id in scope.organization_ids or transfer.to_branch_id in scope.organization_ids
    )


def can_receive_transfer(scope: Scope, transfer) -> bool:
    """A receipt is recorded by the issuing side for a letter out of the organ, by the receiving side otherwise."""
    if transfer.direction == "out":
        return keeps_party_records(scope) and transfer.from_branch_id in scope.organization_ids
    return keeps_party_records(scope) and transfer.to_branch_id in scope.organization_ids
