-- dagabaaz 0002: count inserted and deleted tasks once per statement.
--
-- A node's dispatches are one multi-row insert; counting them row by row
-- updated the node's counter row once per task (a fan-out of 200: 200
-- versions of one row in one transaction). Inserts and deletes now update
-- each touched node once per statement, from the statement's transition
-- table; status changes (one task at a time) keep the row trigger.

DROP TRIGGER dagabaaz_count_inserted ON dagabaaz_tasks;
DROP TRIGGER dagabaaz_count_deleted ON dagabaaz_tasks;

CREATE FUNCTION dagabaaz_count_statement() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    sign integer := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    UPDATE dagabaaz_nodes n
       SET total = n.total + sign * c.total,
           terminal = n.terminal + sign * c.terminal,
           skipped = n.skipped + sign * c.skipped,
           succeeded = n.succeeded + sign * c.succeeded
      FROM (SELECT run_id, node_index,
                   count(*) AS total,
                   count(*) FILTER (WHERE status NOT IN ('pending', 'queued', 'running'))
                       AS terminal,
                   count(*) FILTER (WHERE status = 'skipped') AS skipped,
                   count(*) FILTER (WHERE status IN ('completed', 'filtered')) AS succeeded
              FROM changed GROUP BY run_id, node_index) c
     WHERE n.run_id = c.run_id AND n.node_index = c.node_index;
    RETURN NULL;
END;
$$;

CREATE TRIGGER dagabaaz_count_inserted AFTER INSERT ON dagabaaz_tasks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION dagabaaz_count_statement();
CREATE TRIGGER dagabaaz_count_deleted AFTER DELETE ON dagabaaz_tasks
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION dagabaaz_count_statement();
