"""The one way past the database's write protection of sealed records (RELIABILITY.md R12).

On PostgreSQL, triggers refuse UPDATE and DELETE of signed ratings and of filed cadre rankings, whoever sends the
SQL (the ORM, a raw statement, psql as the application role). Two callers have a legitimate reason to write them
anyway, and only these may use this:

- the demo data (`seed_demo`), which dates what it built in the past and seals it again;
- the tamper tests, which change a sealed row behind the application's back to show that
  `manage.py verify_signatures` finds it.

The switch is the transaction-local setting `zhibu.maintenance`, read by the triggers with
`current_setting('zhibu.maintenance', true)`. It is on only inside the `with` block and never outlives the
transaction. It keeps mistakes and casual SQL out; it does not stop someone who holds the database credentials and
reads this, which is why every sealed row also carries a digest that the verify command recomputes. A correction
is never maintenance: it is a new signed revision (appraisal.services.rating_revise).

On SQLite there are no triggers and the block only opens a transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

SETTING = "zhibu.maintenance"


@contextmanager
def sealed_rows_writable() -> Iterator[None]:
    """Inside the block, sealed rows can be updated and deleted (demo data and tamper tests only)."""
    with transaction.atomic():
        _switch("on")
        yield
        # set_config(..., true) lasts to the end of the whole transaction, not of this block, so it is switched off
        # here; on an error the block's rollback (to its savepoint, or of the transaction) undoes it instead.
        _switch("off")


def _switch(value: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])
