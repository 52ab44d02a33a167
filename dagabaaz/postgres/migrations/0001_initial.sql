-- dagabaaz 0001: runs, per-node counters, tasks, artifacts and the run's history.
--
-- Applied by dagabaaz.postgres.migrate() with search_path set to the target
-- schema, inside one transaction holding the migration lock. Functions pin
-- that search_path (SET search_path FROM CURRENT), so they find their tables
-- whatever the caller's search_path is. Task and event times are
-- clock_timestamp(): when the row was written, not when its transaction began,
-- so the order of a run's history can be read from them.

CREATE TABLE dagabaaz_runs (
    id           text PRIMARY KEY,
    -- A run id can be deleted and used again; seq tells the two apart in caches.
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    status       text NOT NULL,
    error        text,
    progress     integer NOT NULL DEFAULT 0,
    nodes        jsonb NOT NULL,
    node_count   integer NOT NULL,
    run_input    jsonb NOT NULL,
    node_configs jsonb NOT NULL DEFAULT '{}',
    -- Routing plugins, so every worker, sweep and retry resolves them alike.
    passthrough  text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Set by every engine call under the run lock: what the stalled-run sweep reads.
    touched_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dagabaaz_runs_status CHECK (
        status IN ('pending', 'running', 'completed', 'failed', 'crashed', 'cancelled'))
);
-- The sweep's question: which runs are live? (touched_at stays unindexed so
-- the touch on every engine call is a HOT update.)
CREATE INDEX dagabaaz_runs_live ON dagabaaz_runs (id) WHERE status IN ('pending', 'running');

-- One row per (run, node), created with the run: the launch claim and the
-- status counters the barrier and the summary read instead of counting tasks.
CREATE TABLE dagabaaz_nodes (
    run_id     text NOT NULL REFERENCES dagabaaz_runs ON DELETE CASCADE,
    node_index integer NOT NULL,
    launched   boolean NOT NULL DEFAULT false,
    total      integer NOT NULL DEFAULT 0,
    terminal   integer NOT NULL DEFAULT 0,
    skipped    integer NOT NULL DEFAULT 0,
    succeeded  integer NOT NULL DEFAULT 0,  -- completed or filtered
    PRIMARY KEY (run_id, node_index)
);

CREATE TABLE dagabaaz_tasks (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id             text NOT NULL,
    node_index         integer NOT NULL,
    plugin_name        text NOT NULL,
    status             text NOT NULL,
    input_artifact_id  text,
    origin_artifact_id text,
    error              text,
    -- How many times a worker started the task (more than one after a worker died).
    attempts           integer NOT NULL DEFAULT 0,
    -- The queue's handle on the task's job (a procrastinate job id), when queued.
    job_id             bigint,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at        timestamptz,
    FOREIGN KEY (run_id, node_index) REFERENCES dagabaaz_nodes ON DELETE CASCADE,
    CONSTRAINT dagabaaz_tasks_status CHECK (status IN (
        'pending', 'queued', 'running', 'completed', 'failed', 'crashed',
        'cancelled', 'skipped', 'filtered'))
);
CREATE INDEX dagabaaz_tasks_node ON dagabaaz_tasks (run_id, node_index, id);
CREATE INDEX dagabaaz_tasks_live ON dagabaaz_tasks (run_id, id)
    WHERE status IN ('pending', 'queued', 'running');
-- One task per input and per origin group at a node: a dispatch repeated by
-- mistake fails loudly instead of running the same input twice.
CREATE UNIQUE INDEX dagabaaz_tasks_one_per_input
    ON dagabaaz_tasks (run_id, node_index, input_artifact_id)
    WHERE input_artifact_id IS NOT NULL;
CREATE UNIQUE INDEX dagabaaz_tasks_one_per_group
    ON dagabaaz_tasks (run_id, node_index, origin_artifact_id)
    WHERE origin_artifact_id IS NOT NULL;

CREATE SEQUENCE dagabaaz_artifact_ids AS bigint;
CREATE TABLE dagabaaz_artifacts (
    id                 bigint PRIMARY KEY DEFAULT nextval('dagabaaz_artifact_ids'),
    run_id             text NOT NULL,
    node_index         integer NOT NULL,
    task_id            bigint NOT NULL REFERENCES dagabaaz_tasks ON DELETE CASCADE,
    file_name          text NOT NULL,
    file_path          text NOT NULL,
    file_size          bigint,
    mime_type          text,
    metadata           jsonb,  -- NULL for none
    origin_artifact_id text
);
ALTER SEQUENCE dagabaaz_artifact_ids OWNED BY dagabaaz_artifacts.id;
CREATE INDEX dagabaaz_artifacts_node ON dagabaaz_artifacts (run_id, node_index, id);
CREATE INDEX dagabaaz_artifacts_origin ON dagabaaz_artifacts (run_id, origin_artifact_id, id)
    WHERE origin_artifact_id IS NOT NULL;
CREATE INDEX dagabaaz_artifacts_task ON dagabaaz_artifacts (task_id);

-- Every status a run took, in order: created, ended, reopened.
CREATE TABLE dagabaaz_run_events (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id text NOT NULL REFERENCES dagabaaz_runs ON DELETE CASCADE,
    status text NOT NULL,
    error  text,
    at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX dagabaaz_run_events_run ON dagabaaz_run_events (run_id, id);

-- The counters follow every insert, status change and delete of a task.
CREATE FUNCTION dagabaaz_count_tasks() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d_total integer := 0;
    d_terminal integer := 0;
    d_skipped integer := 0;
    d_succeeded integer := 0;
    target_run text;
    target_node integer;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        d_total := d_total - 1;
        d_terminal := d_terminal - (OLD.status NOT IN ('pending', 'queued', 'running'))::integer;
        d_skipped := d_skipped - (OLD.status = 'skipped')::integer;
        d_succeeded := d_succeeded - (OLD.status IN ('completed', 'filtered'))::integer;
        target_run := OLD.run_id;
        target_node := OLD.node_index;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        d_total := d_total + 1;
        d_terminal := d_terminal + (NEW.status NOT IN ('pending', 'queued', 'running'))::integer;
        d_skipped := d_skipped + (NEW.status = 'skipped')::integer;
        d_succeeded := d_succeeded + (NEW.status IN ('completed', 'filtered'))::integer;
        target_run := NEW.run_id;
        target_node := NEW.node_index;
    END IF;
    IF d_total <> 0 OR d_terminal <> 0 OR d_skipped <> 0 OR d_succeeded <> 0 THEN
        UPDATE dagabaaz_nodes
           SET total = total + d_total,
               terminal = terminal + d_terminal,
               skipped = skipped + d_skipped,
               succeeded = succeeded + d_succeeded
         WHERE run_id = target_run AND node_index = target_node;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER dagabaaz_count_inserted AFTER INSERT ON dagabaaz_tasks
    FOR EACH ROW EXECUTE FUNCTION dagabaaz_count_tasks();
CREATE TRIGGER dagabaaz_count_deleted AFTER DELETE ON dagabaaz_tasks
    FOR EACH ROW EXECUTE FUNCTION dagabaaz_count_tasks();
CREATE TRIGGER dagabaaz_count_moved AFTER UPDATE OF status ON dagabaaz_tasks
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION dagabaaz_count_tasks();
