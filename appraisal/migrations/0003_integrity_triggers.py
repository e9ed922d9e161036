"""Sealed records are protected by the database too (RELIABILITY.md R12), on PostgreSQL; SQLite has no such
triggers and relies on the models' save() and the services.

- Signed ratings (appraisal_rating): every row is signed when it is inserted, so no UPDATE that changes anything
  and no DELETE. A correction is a new row, revision n+1 (services.rating_revise), which only INSERTs.
- Filed cadre appraisals: once appraisal_cadreexercise.status is 'filed', the exercise row cannot be updated or
  deleted (so it cannot be "unfiled" either), and its results, cadres and team scores cannot be inserted, updated
  or deleted. Filing writes the results while the exercise is still a draft and then flips the status, so the
  filing transaction itself passes.

Refused statements raise SQLSTATE 23000 (integrity_constraint_violation), which Django raises as IntegrityError.
The only way past is core.maintenance.sealed_rows_writable(), which sets the transaction-local setting
zhibu.maintenance to 'on' (demo data and tamper tests). TRUNCATE is not covered (test database flushes use it).

Also adds a digest to each filed cadre result, computed for the results filed before this migration.
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION appraisal_maintenance_on() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('zhibu.maintenance', true), '') = 'on'
$$;

-- TG_ARGV[0] names what is refused, for the error message.
CREATE OR REPLACE FUNCTION appraisal_refuse_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT appraisal_maintenance_on() THEN
        RAISE EXCEPTION USING
            ERRCODE = 'integrity_constraint_violation',
            MESSAGE = format('%s %s is sealed: %s refused', TG_ARGV[0], OLD.id, TG_OP),
            HINT = 'Correct a signed rating by signing a revision; a filed cadre appraisal is final.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

-- Rows belonging to a cadre exercise: refused when the exercise is filed. TG_ARGV[0] is the column leading to
-- the exercise: 'exercise_id' directly, or 'appraisee_id' through appraisal_cadreappraisee.
CREATE OR REPLACE FUNCTION appraisal_refuse_when_filed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_values jsonb;
    exercise_id bigint;
BEGIN
    IF appraisal_maintenance_on() THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    FOREACH row_values IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
        CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END
    ] LOOP
        CONTINUE WHEN row_values IS NULL;
        IF TG_ARGV[0] = 'exercise_id' THEN
            exercise_id := (row_values ->> 'exercise_id')::bigint;
        ELSE
            SELECT a.exercise_id INTO exercise_id
            FROM appraisal_cadreappraisee a WHERE a.id = (row_values ->> 'appraisee_id')::bigint;
        END IF;
        IF EXISTS (SELECT 1 FROM appraisal_cadreexercise e WHERE e.id = exercise_id AND e.status = 'filed') THEN
            RAISE EXCEPTION USING
                ERRCODE = 'integrity_constraint_violation',
                MESSAGE = format('%s of filed cadre appraisal %s: %s refused', TG_TABLE_NAME, exercise_id, TG_OP),
                HINT = 'A filed cadre appraisal is final.';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER appraisal_rating_sealed_update
    BEFORE UPDATE ON appraisal_rating
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION appraisal_refuse_sealed('signed rating');
CREATE TRIGGER appraisal_rating_sealed_delete
    BEFORE DELETE ON appraisal_rating
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_sealed('signed rating');

CREATE TRIGGER appraisal_cadreexercise_filed
    BEFORE UPDATE OR DELETE ON appraisal_cadreexercise
    FOR EACH ROW WHEN (OLD.status = 'filed')
    EXECUTE FUNCTION appraisal_refuse_sealed('filed cadre appraisal');
CREATE TRIGGER appraisal_cadreresult_filed
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_cadreresult
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_when_filed('appraisee_id');
CREATE TRIGGER appraisal_cadreappraisee_filed
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_cadreappraisee
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_when_filed('exercise_id');
CREATE TRIGGER appraisal_cadreteamscore_filed
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_cadreteamscore
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_when_filed('appraisee_id');
"""

DROP = """
DROP TRIGGER IF EXISTS appraisal_rating_sealed_update ON appraisal_rating;
DROP TRIGGER IF EXISTS appraisal_rating_sealed_delete ON appraisal_rating;
DROP TRIGGER IF EXISTS appraisal_cadreexercise_filed ON appraisal_cadreexercise;
DROP TRIGGER IF EXISTS appraisal_cadreresult_filed ON appraisal_cadreresult;
DROP TRIGGER IF EXISTS appraisal_cadreappraisee_filed ON appraisal_cadreappraisee;
DROP TRIGGER IF EXISTS appraisal_cadreteamscore_filed ON appraisal_cadreteamscore;
DROP FUNCTION IF EXISTS appraisal_refuse_when_filed();
DROP FUNCTION IF EXISTS appraisal_refuse_sealed();
DROP FUNCTION IF EXISTS appraisal_maintenance_on();
"""


def seal_filed_results(apps, schema_editor):
    from appraisal.cadre_services import result_content
    from appraisal.services import content_hash

    CadreResult = apps.get_model("appraisal", "CadreResult")
    for result in CadreResult.objects.select_related("appraisee__exercise"):
        result.digest = content_hash(result_content(result, result.appraisee.exercise))
        result.save(update_fields=["digest"])


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0002_cadre_appraisal"),
    ]

    operations = [
        migrations.AddField(
            model_name="cadreresult",
            name="digest",
            field=models.CharField(default="", max_length=64, verbose_name="备案摘要"),
            preserve_default=False,
        ),
        migrations.RunPython(seal_filed_results, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
