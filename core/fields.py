"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the database's integer range before they reach a query. Django bounds
    exact lookups only: on SQLite an `__in` lookup with such an id raises OverflowError, a 500 for a posted
    "99999999999999999999" (RELIABILITY.md R29, found by tests/security/test_fuzz_forms.py)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        meta = self.queryset.model._meta
        internal_type = (meta.pk if key == "pk" else meta.get_field(key)).get_internal_type()
        operations = connections[self.queryset.db].ops
        if internal_type in operations.integer_field_ranges:
            low, high = operations.integer_field_range(internal_type)
            for pk in value if isinstance(value, (list, tuple)) else [value]:
                try:
                    number = int(str(pk))
                except ValueError:
                    continue  # Django's own check names it
                if (low is not None and number < low) or (high is not None and number > high):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)
