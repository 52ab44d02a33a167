-- dagabaaz 0005: a node's task reasons capped per kind, and its latest failure always kept.
--
-- 0004 capped a node's reasons about tasks (failed, bindings_gated) together:
-- a node of many tasks whose bindings were gated filled the cap before one
-- of them failed, and that failure (the reason that explains the node's
-- status) was dropped; so was the failure of a node retried more often than
-- the cap. Now each kind has the cap of its own, and past the cap a node
-- keeps its latest failure too: a newer one takes the place of the older.
--
-- Same arguments and rules as 0004 otherwise: reasons inserted in their
-- order, one of each kind per task, the count exact while every writer
-- holds the run's lock.
CREATE OR REPLACE FUNCTION dagabaaz_record_reasons(p_reasons text, p_cap integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    WITH batch AS (
        SELECT w.ordinality AS pos, w.run, w.node, w.outcome, w.task, w.reason,
               -- A task reason's place among its node's reasons of its kind
               -- (a node's own reasons are not counted: each is kept).
               CASE WHEN w.task IS NULL THEN 0 ELSE
                   row_number() OVER kind
                   + (SELECT count(*)
                        FROM (SELECT FROM dagabaaz_reasons x
                               WHERE x.run_id = w.run AND x.node_index = w.node
                                 AND x.outcome = w.outcome AND x.task_id IS NOT NULL
                               LIMIT p_cap) c)
               END AS place,
               row_number() OVER kind
               = count(*) OVER (PARTITION BY w.run, w.node, w.outcome) AS last_of_kind
          FROM ROWS FROM (json_to_recordset(p_reasons::json)
                          AS (run text, node integer, outcome text, task text, reason text))
               WITH ORDINALITY AS w
        WINDOW kind AS (PARTITION BY w.run, w.node, w.outcome ORDER BY w.ordinality)
    ),
    kept AS (
        SELECT * FROM batch b
         WHERE b.task IS NULL
            OR b.place <= p_cap
            OR (b.outcome = 'failed' AND b.last_of_kind)
    ),
    -- A failure kept past the cap gives way to the newer one kept now.
    replaced AS (
        DELETE FROM dagabaaz_reasons x
         USING (SELECT DISTINCT run, node FROM kept
                 WHERE task IS NOT NULL AND outcome = 'failed' AND place > p_cap) k
         WHERE x.run_id = k.run AND x.node_index = k.node
           AND x.outcome = 'failed' AND x.task_id IS NOT NULL
           AND x.id NOT IN (SELECT y.id FROM dagabaaz_reasons y
                             WHERE y.run_id = k.run AND y.node_index = k.node
                               AND y.outcome = 'failed' AND y.task_id IS NOT NULL
                             ORDER BY y.id LIMIT p_cap)
    )
    INSERT INTO dagabaaz_reasons (run_id, node_index, outcome, task_id, reason)
    SELECT k.run, k.node, k.outcome, k.task, k.reason::json
      FROM kept k
     ORDER BY k.pos
    ON CONFLICT DO NOTHING;
END;
$$;
