-- dagabaaz 0004: reasons, why each node of a run ended as it did (dagabaaz.store.ReasonStore).
--
-- One row per reason, in recording order (id). Reasons are written with the
-- rest of what a transaction held back (dagabaaz_write, six arguments), under
-- the run's lock, and only ever best effort: a reason that cannot be written
-- is dropped inside a subtransaction and reported back, never aborting the
-- engine's work around it.
--
-- The reason is kept as json, not jsonb: its text comes back exactly as the
-- model wrote it (a "\u0000" in an error included, which jsonb refuses).

CREATE TABLE dagabaaz_reasons (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the recording order
    run_id     text NOT NULL,
    node_index integer NOT NULL,
    outcome    text NOT NULL,
    -- Set for the reasons about one task (failed, bindings_gated), NULL for a node's.
    task_id    text,
    reason     json NOT NULL,
    FOREIGN KEY (run_id, node_index) REFERENCES dagabaaz_nodes ON DELETE CASCADE
);
-- get_reasons, of a run or of one node; the cap's count of a node's task reasons.
CREATE INDEX dagabaaz_reasons_node ON dagabaaz_reasons (run_id, node_index, id);
-- One reason of each kind per task: a task that ran again after its worker
-- was killed (or two attempts that overlapped) records it once.
CREATE UNIQUE INDEX dagabaaz_reasons_one_per_task
    ON dagabaaz_reasons (run_id, task_id, outcome) WHERE task_id IS NOT NULL;

-- Insert reasons in their order; raises on any error (the caller catches it).
--
-- p_reasons: JSON text, [{"run", "node", "outcome", "task", "reason"}, ...]
-- ("task" only for a reason about one task; "reason" is the reason's JSON
-- as a string, so that no escape in it is ever decoded on the way). Of those, a node keeps the first
-- p_cap: the count is exact while every writer holds the run's lock, as the
-- engine and the workers do.
CREATE FUNCTION dagabaaz_record_reasons(p_reasons text, p_cap integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO dagabaaz_reasons (run_id, node_index, outcome, task_id, reason)
    SELECT w.run, w.node, w.outcome, w.task, w.reason::json
      FROM (SELECT u.*,
                   row_number() OVER (PARTITION BY u.run, u.node, u.task IS NULL
                                      ORDER BY u.ordinality) AS nth
              FROM ROWS FROM (json_to_recordset(p_reasons::json)
                              AS (run text, node integer, outcome text, task text,
                                  reason text))
                   WITH ORDINALITY AS u) w
     WHERE w.task IS NULL
        OR w.nth + (SELECT count(*)
                      FROM (SELECT FROM dagabaaz_reasons x
                             WHERE x.run_id = w.run AND x.node_index = w.node
                               AND x.task_id IS NOT NULL
                             LIMIT p_cap) c) <= p_cap
     ORDER BY w.ordinality
    ON CONFLICT DO NOTHING;
END;
$$;

-- dagabaaz_write (0003), then the reasons held back with the same writes, in
-- subtransactions of their own (plpgsql exception blocks): a reason that
-- fails to insert is rolled back alone, so the tasks, claims, run changes
-- and other reasons around it commit as if it had not been asked for. All
-- reasons go in one insert; only when that fails is each tried on its own.
--
-- Returns NULL when every reason was written (or none was given), else
-- {"failed": how many were not, "error": the first one's SQLSTATE and message}.
CREATE FUNCTION dagabaaz_write(
    p_tasks jsonb, p_jobs bigint[], p_claims jsonb, p_runs jsonb,
    p_reasons text, p_cap integer)
    RETURNS jsonb
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    one text;
    failed integer := 0;
    first_error text;
BEGIN
    PERFORM dagabaaz_write(p_tasks, p_jobs, p_claims, p_runs);
    IF p_reasons IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        PERFORM dagabaaz_record_reasons(p_reasons, p_cap);
        RETURN NULL;
    EXCEPTION WHEN OTHERS THEN
        first_error := SQLSTATE || ': ' || SQLERRM;
    END;
    BEGIN
        FOR one IN SELECT e::text FROM json_array_elements(p_reasons::json) AS e LOOP
            BEGIN
                PERFORM dagabaaz_record_reasons('[' || one || ']', p_cap);
            EXCEPTION WHEN OTHERS THEN
                failed := failed + 1;
                IF failed = 1 THEN
                    first_error := SQLSTATE || ': ' || SQLERRM;
                END IF;
            END;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN  -- not even a list of reasons: none is written
        RETURN jsonb_build_object('failed', -1, 'error', first_error);
    END;
    IF failed = 0 THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object('failed', failed, 'error', first_error);
END;
$$;
