-- dagabaaz 0003: the run lock, and a task's completion, each in one round trip.
--
-- A worker recording a task used to send: lock the run, read its counters,
-- complete the task. These functions do the same on the server, so the
-- client sends one statement (together with BEGIN). They return JSON: one
-- value, decoded by the client in one call.

-- Lock a run's row and read its status and node counters.
--
-- Returns {"status": ..., "nodes": [[launched, total, terminal, skipped,
-- succeeded], ...]} in node order, or NULL for an unknown run. The counters
-- are read by a statement of their own, after the lock is held, so they
-- include the commit of the transaction that held it before (one statement
-- that waited for the lock would read with the snapshot it started with).
-- touched_at (read by the stalled-run sweep) is stamped when it is more than
-- a second old: a run busy with many tasks does not write a new version of
-- its row for each of them.
CREATE FUNCTION dagabaaz_lock_run(p_run text) RETURNS jsonb
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    run_status text;
    touched timestamptz;
BEGIN
    SELECT r.status, r.touched_at INTO run_status, touched
      FROM dagabaaz_runs r WHERE r.id = p_run FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF touched < now() - interval '1 second' THEN
        UPDATE dagabaaz_runs SET touched_at = now() WHERE id = p_run;
    END IF;
    RETURN jsonb_build_object(
        'status', run_status,
        'nodes', (SELECT coalesce(jsonb_agg(
                             jsonb_build_array(n.launched, n.total, n.terminal, n.skipped,
                                               n.succeeded)
                             ORDER BY n.node_index), '[]')
                    FROM dagabaaz_nodes n WHERE n.run_id = p_run));
END;
$$;

-- Complete a live task and insert its outputs as artifacts, after locking
-- p_lock's run (when not NULL; the task must then belong to that run).
--
-- p_outputs: [{"file_name", "file_path", "file_size", "mime_type",
-- "metadata"}, ...]. Origins follow scatter-gather: a root task's outputs
-- are their own origin; a single task's inherit its input artifact's; a
-- grouped task's carry its group's; an aggregate task's have none.
--
-- Returns {"run": <dagabaaz_lock_run> (when p_lock is given), "task": [run,
-- node] (NULL when no live task matched), "artifacts": [[id, file_name,
-- file_path, file_size, mime_type, metadata, origin, node, run], ...]}.
CREATE FUNCTION dagabaaz_complete_task(p_task bigint, p_outputs jsonb, p_lock text)
    RETURNS jsonb
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    locked jsonb;
    done_run text;
    done_node integer;
    done_origin text;
    done_root boolean;
    made jsonb;
BEGIN
    IF p_lock IS NOT NULL THEN
        locked := dagabaaz_lock_run(p_lock);
        IF locked IS NULL THEN
            RETURN jsonb_build_object('run', NULL, 'task', NULL, 'artifacts', '[]'::jsonb);
        END IF;
    END IF;
    UPDATE dagabaaz_tasks t
       SET status = 'completed', finished_at = clock_timestamp()
      FROM dagabaaz_runs r
     WHERE t.id = p_task AND r.id = t.run_id
       AND t.status IN ('pending', 'queued', 'running')
       AND (p_lock IS NULL OR t.run_id = p_lock)
    RETURNING t.run_id, t.node_index,
              CASE
                WHEN jsonb_array_length(r.nodes -> t.node_index -> 'depends_on') = 0 THEN NULL
                WHEN r.nodes -> t.node_index ->> 'fan_mode' = 'grouped'
                  THEN t.origin_artifact_id
                WHEN r.nodes -> t.node_index ->> 'fan_mode' = 'single'
                  THEN (SELECT a.origin_artifact_id FROM dagabaaz_artifacts a
                         WHERE a.id = (CASE WHEN t.input_artifact_id ~ '^[0-9]{1,18}$'
                                            THEN t.input_artifact_id::bigint END))
              END,
              jsonb_array_length(r.nodes -> t.node_index -> 'depends_on') = 0
      INTO done_run, done_node, done_origin, done_root;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('run', locked, 'task', NULL, 'artifacts', '[]'::jsonb);
    END IF;
    WITH made AS (
        INSERT INTO dagabaaz_artifacts
               (id, run_id, node_index, task_id, file_name, file_path, file_size, mime_type,
                metadata, origin_artifact_id)
        SELECT o.id, done_run, done_node, p_task, o.file_name, o.file_path, o.file_size,
               o.mime_type, o.metadata,
               CASE WHEN done_root THEN o.id::text ELSE done_origin END
          FROM (SELECT nextval('dagabaaz_artifact_ids') AS id, u.*
                  FROM ROWS FROM (jsonb_to_recordset(p_outputs)
                                  AS (file_name text, file_path text, file_size bigint,
                                      mime_type text, metadata jsonb))
                       WITH ORDINALITY AS u
                 ORDER BY u.ordinality) o
        RETURNING id, file_name, file_path, file_size, mime_type, metadata,
                  origin_artifact_id, node_index, run_id)
    SELECT coalesce(jsonb_agg(jsonb_build_array(m.id, m.file_name, m.file_path, m.file_size,
                                                m.mime_type, m.metadata, m.origin_artifact_id,
                                                m.node_index, m.run_id)
                              ORDER BY m.id), '[]')
      INTO made FROM made m;
    RETURN jsonb_build_object('run', locked, 'task', jsonb_build_array(done_run, done_node),
                              'artifacts', made);
END;
$$;

-- Write what a transaction held back until it ends: the tasks it dispatched
-- (with their queue jobs' ids), the launches it claimed, and each run's new
-- progress or terminal status (with its event). Decided under the runs'
-- locks, so every claim and terminal change is known to succeed.
--
-- p_tasks: [{"id", "run_id", "node_index", "plugin_name", "status",
-- "input_artifact_id", "origin_artifact_id", "error", "job_id"}, ...];
-- p_jobs: the job ids of the queued tasks, in their order (NULL when the
-- tasks carry their job_id, or have no job); p_claims: [{"run_id",
-- "node_index"}, ...]; p_runs: [{"id", "progress", "status", "error"}, ...]
-- (NULL progress or status: unchanged).
CREATE FUNCTION dagabaaz_write(p_tasks jsonb, p_jobs bigint[], p_claims jsonb, p_runs jsonb)
    RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    claim record;
    change record;
BEGIN
    IF jsonb_array_length(p_tasks) > 0 THEN
        -- One insert: the counting trigger updates each node once.
        INSERT INTO dagabaaz_tasks
               (id, run_id, node_index, plugin_name, status, input_artifact_id,
                origin_artifact_id, error, job_id, finished_at)
        OVERRIDING SYSTEM VALUE
        SELECT u.id, u.run_id, u.node_index, u.plugin_name, u.status, u.input_artifact_id,
               u.origin_artifact_id, u.error,
               CASE WHEN u.status = 'queued'
                    THEN coalesce(u.job_id, p_jobs[sum((u.status = 'queued')::integer)
                                                   OVER (ORDER BY u.ordinality)])
               END,
               CASE WHEN u.status IN ('pending', 'queued', 'running') THEN NULL
                    ELSE clock_timestamp() END
          FROM ROWS FROM (jsonb_to_recordset(p_tasks)
                          AS (id bigint, run_id text, node_index integer, plugin_name text,
                              status text, input_artifact_id text, origin_artifact_id text,
                              error text, job_id bigint))
               WITH ORDINALITY AS u
         ORDER BY u.ordinality;
    END IF;
    -- Claims and run changes are few (one or two per engine call): one
    -- statement each, by primary key, whatever the planner would guess for a join.
    FOR claim IN SELECT * FROM jsonb_to_recordset(p_claims) AS (run_id text, node_index integer)
    LOOP
        UPDATE dagabaaz_nodes SET launched = true
         WHERE run_id = claim.run_id AND node_index = claim.node_index;
    END LOOP;
    FOR change IN SELECT * FROM jsonb_to_recordset(p_runs)
                             AS (id text, progress integer, status text, error text)
    LOOP
        UPDATE dagabaaz_runs
           SET progress = coalesce(change.progress, progress),
               status = coalesce(change.status, status),
               error = CASE WHEN change.status IS NULL THEN error ELSE change.error END
         WHERE id = change.id;
        IF change.status IS NOT NULL THEN
            INSERT INTO dagabaaz_run_events (run_id, status, error)
            VALUES (change.id, change.status, change.error);
        END IF;
    END LOOP;
END;
$$;
