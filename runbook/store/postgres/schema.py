"""The team store's schema: versioned migrations, in SQL, applied in order by the owner.

Migration 1 creates the log (``events``: append-only, enforced by triggers), the incident list
and a change counter; 2 maps database roles to people (the database refuses an event that
names anyone else); 3 takes every write but appending away from operators: the database checks
that each event follows its incident's log and keeps the incident list and the counter itself
(``SECURITY DEFINER`` triggers owned by the schema's owner); 4 adds the intake log of warnings
(append-only) and the update cadence's own steps; 5 indexes command ids; 6 adds the steps of
deliveries; 7 gives the approval server a role of its own (decisions through a link only).
Operators get ``SELECT`` on the tables and ``INSERT`` on ``events`` and ``intake``, nothing else
(:data:`OPERATOR_GRANTS`). :data:`OWN_TABLES` are every table runbook makes: a schema holding
any other is not runbook's, and is refused before anything is written.
"""

from __future__ import annotations

from runbook.model.proof import APPROVAL_SERVER

SCHEMA = "runbook"
"""The schema runbook's tables live in when the URL does not choose one (``search_path``)."""

_CHECK_ACTOR = """\
    CREATE OR REPLACE FUNCTION runbook_check_actor() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        mapped TEXT;
        proof JSONB;
    BEGIN
        SELECT person INTO mapped FROM operators WHERE db_role = current_user;
        BEGIN
            proof := (NEW.data::jsonb) -> 'proof';
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'the event''s data is not JSON';
        END;
        IF mapped IS NOT NULL THEN
            IF NEW.actor = mapped THEN
                IF proof ->> 'method' IS DISTINCT FROM 'db-role'
                   OR proof ->> 'db_role' IS DISTINCT FROM current_user THEN
                    RAISE EXCEPTION 'database role % records events as % with proof db-role only',
                        current_user, mapped;
                END IF;
            ELSIF NEW.actor = 'runbook' AND proof ->> 'method' = 'system' AND NEW.type IN (
@SYSTEM_TYPES@                NULL;
            ELSE
                RAISE EXCEPTION 'database role % is %: it cannot record an event as %',
                    current_user, mapped, NEW.actor;
            END IF;
        ELSIF proof ->> 'method' = 'db-role' THEN
            RAISE EXCEPTION
                'only a database role mapped to a person gives proof db-role (% is not)',
                current_user;
        END IF;
        RETURN NEW;
    END $$;
"""
"""The database's check of who an event is recorded as (see migrations 2 and 4): a role mapped
to a person records only as that person with proof ``db-role``, or runbook's own steps of the
types listed; migrations that add a step type re-create it with the longer list."""


def _check_actor(system_types: str) -> str:
    """``runbook_check_actor`` allowing runbook's own steps of ``system_types`` (SQL list
    lines, as the migration that introduced them wrote them)."""
    return _CHECK_ACTOR.replace("@SYSTEM_TYPES@", system_types)


_SYSTEM_TYPES_6 = """\
                'PauseTargeted', 'PostsPaused', 'PostsResumed', 'NotificationsSent',
                'StatementPublished', 'EffectFailed', 'Escalated', 'EffectRequested',
                'LinkRefused', 'UpdateFellDue', 'UpdateEscalated', 'UpdateSent',
                'DeliveryStarted', 'DeliveryInterrupted') THEN
"""
"""runbook's own steps an operator's role may record, as of migration 6."""

_CHECK_ACTOR_WITH_SERVER = _check_actor(_SYSTEM_TYPES_6).replace(
    """        IF mapped IS NOT NULL THEN
            IF NEW.actor = mapped THEN""",
    f"""        IF mapped = '{APPROVAL_SERVER}' THEN
            IF NOT ((proof ->> 'method' = 'link' AND NEW.actor <> 'runbook'
                     AND NEW.type IN ('DraftApproved', 'DraftRejected', 'ActionRefused'))
                    OR (NEW.actor = 'runbook' AND proof ->> 'method' = 'system' AND NEW.type IN (
{_SYSTEM_TYPES_6.replace(") THEN", "))) THEN")}\
                RAISE EXCEPTION 'database role % serves approval links: it records only decisions '
                    'made through a link, not % by % (proof %)',
                    current_user, NEW.type, NEW.actor, coalesce(proof ->> 'method', 'none');
            END IF;
        ELSIF mapped IS NOT NULL THEN
            IF NEW.actor = mapped THEN""",
)
"""The database's check of who an event is recorded as, from migration 7: as before, and the
approval server's role (mapped to :data:`APPROVAL_SERVER`) records only decisions through a
link (approve, reject, or their refusal, as the link's person with proof ``link``) and
runbook's own steps."""

MIGRATIONS: list[str] = [
    # 1: the log, the incident list, append-only triggers, a change counter.
    """
    CREATE TABLE events (
        incident_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        state TEXT NOT NULL,
        command_id TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (incident_id, seq)
    );
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        playbook TEXT,
        title TEXT NOT NULL,
        level TEXT,
        state TEXT NOT NULL,
        drill BOOLEAN NOT NULL DEFAULT FALSE,
        opened_at TEXT,
        updated_at TEXT,
        events INTEGER NOT NULL
    );
    CREATE TABLE changes (id INTEGER PRIMARY KEY CHECK (id = 1), counter BIGINT NOT NULL);
    INSERT INTO changes VALUES (1, 0);
    CREATE FUNCTION runbook_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the event log is append-only';
    END $$;
    CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION runbook_refuse_change();
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION runbook_refuse_change();
    """,
    # 2: database roles mapped to people; the database refuses another person's actor.
    """
    CREATE TABLE operators (
        db_role TEXT PRIMARY KEY,
        person TEXT NOT NULL
    );
    CREATE FUNCTION runbook_check_actor() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        mapped TEXT;
        proof JSONB;
    BEGIN
        SELECT person INTO mapped FROM operators WHERE db_role = current_user;
        BEGIN
            proof := (NEW.data::jsonb) -> 'proof';
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'the event''s data is not JSON';
        END;
        IF mapped IS NOT NULL THEN
            IF NEW.actor = mapped THEN
                IF proof ->> 'method' IS DISTINCT FROM 'db-role'
                   OR proof ->> 'db_role' IS DISTINCT FROM current_user THEN
                    RAISE EXCEPTION 'database role % records events as % with proof db-role only',
                        current_user, mapped;
                END IF;
            ELSIF NEW.actor = 'runbook' AND proof ->> 'method' = 'system' AND NEW.type IN (
                'PauseTargeted', 'PostsPaused', 'PostsResumed', 'NotificationsSent',
                'StatementPublished', 'EffectFailed', 'Escalated', 'EffectRequested',
                'LinkRefused') THEN
                NULL;
            ELSE
                RAISE EXCEPTION 'database role % is %: it cannot record an event as %',
                    current_user, mapped, NEW.actor;
            END IF;
        ELSIF proof ->> 'method' = 'db-role' THEN
            RAISE EXCEPTION
                'only a database role mapped to a person gives proof db-role (% is not)',
                current_user;
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER events_check_actor BEFORE INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION runbook_check_actor();
    """,
    # 3: least privilege. The database checks that each event follows its incident's log (the
    # next seq, the previous event's hash, a hash that matches its content) and keeps the
    # incident list and the change counter itself, as the owner: operators may only read and
    # append events; nobody but the owner may update, delete, truncate or alter anything.
    """
    REVOKE ALL ON events, incidents, changes, operators, runbook_schema FROM PUBLIC;
    CREATE FUNCTION runbook_check_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        last_seq INTEGER;
        last_hash TEXT;
    BEGIN
        PERFORM pg_advisory_xact_lock(hashtext(NEW.incident_id));
        SELECT seq, hash INTO last_seq, last_hash FROM events
            WHERE incident_id = NEW.incident_id ORDER BY seq DESC LIMIT 1;
        IF NEW.seq IS DISTINCT FROM coalesce(last_seq, 0) + 1 THEN
            RAISE EXCEPTION 'event #% of incident % is out of order: its log ends at event #%',
                NEW.seq, NEW.incident_id, coalesce(last_seq, 0);
        END IF;
        IF NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '') THEN
            RAISE EXCEPTION 'event #% of incident % does not chain onto the event before it',
                NEW.seq, NEW.incident_id;
        END IF;
        IF NEW.hash IS DISTINCT FROM encode(sha256(convert_to(concat_ws(chr(31),
                NEW.prev_hash, NEW.incident_id, NEW.seq::text, NEW.type, NEW.at, NEW.actor,
                NEW.state, coalesce(NEW.command_id, ''), NEW.data), 'UTF8')), 'hex') THEN
            RAISE EXCEPTION 'event #% of incident % carries a hash that does not match it',
                NEW.seq, NEW.incident_id;
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER events_check_chain BEFORE INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION runbook_check_chain();

    CREATE FUNCTION runbook_list_incident(target TEXT) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
    BEGIN
        INSERT INTO incidents (id, playbook, title, level, state, drill, opened_at,
                               updated_at, events)
        SELECT f.incident_id,
            CASE WHEN f.type = 'IncidentDeclared' THEN f.data::jsonb ->> 'playbook_id' END,
            CASE WHEN f.type = 'IncidentDeclared'
                 THEN coalesce(f.data::jsonb ->> 'title', '') ELSE '' END,
            (SELECT a.data::jsonb ->> 'level' FROM events a
                WHERE a.incident_id = target AND a.type = 'SeverityAssessed'
                ORDER BY a.seq DESC LIMIT 1),
            coalesce((SELECT s.state FROM events s WHERE s.incident_id = target
                AND s.state <> '' ORDER BY s.seq DESC LIMIT 1), ''),
            CASE WHEN f.type = 'IncidentDeclared'
                 THEN coalesce((f.data::jsonb ->> 'drill')::boolean, FALSE) ELSE FALSE END,
            f.at, h.at, h.seq
        FROM events f,
            (SELECT seq, at FROM events WHERE incident_id = target
                ORDER BY seq DESC LIMIT 1) h
        WHERE f.incident_id = target AND f.seq = 1
        ON CONFLICT (id) DO UPDATE SET playbook = excluded.playbook,
            title = excluded.title, level = excluded.level, state = excluded.state,
            drill = excluded.drill, opened_at = excluded.opened_at,
            updated_at = excluded.updated_at, events = excluded.events;
    END $$;
    REVOKE ALL ON FUNCTION runbook_list_incident(TEXT) FROM PUBLIC;

    CREATE FUNCTION runbook_summarise() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT AS $$
    BEGIN
        IF NEW.seq = 1 THEN
            PERFORM runbook_list_incident(NEW.incident_id);
        ELSE
            UPDATE incidents SET
                state = CASE WHEN NEW.state <> '' THEN NEW.state ELSE state END,
                updated_at = NEW.at,
                events = NEW.seq,
                level = CASE WHEN NEW.type = 'SeverityAssessed'
                             THEN NEW.data::jsonb ->> 'level' ELSE level END
            WHERE id = NEW.incident_id AND events = NEW.seq - 1;
            IF NOT FOUND THEN  -- the row was lost or altered: list the incident afresh
                PERFORM runbook_list_incident(NEW.incident_id);
            END IF;
        END IF;
        UPDATE changes SET counter = counter + 1 WHERE id = 1;
        RETURN NULL;
    END $$;
    CREATE TRIGGER events_summarise AFTER INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION runbook_summarise();

    DO $$
    DECLARE
        r RECORD;
    BEGIN
        FOR r IN SELECT db_role FROM operators
                 WHERE db_role IN (SELECT rolname FROM pg_roles) LOOP
            EXECUTE format('REVOKE ALL ON incidents, changes, operators, runbook_schema '
                           'FROM %I', r.db_role);
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON events '
                           'FROM %I', r.db_role);
            EXECUTE format('GRANT SELECT ON incidents, changes, operators, runbook_schema '
                           'TO %I', r.db_role);
        END LOOP;
    END $$;
    """,
    # 4: the intake log of warnings (append-only, counted as a change, readable and appendable
    # by operators) and runbook's own steps of the update cadence among the system events.
    """
    CREATE TABLE intake (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        record TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX intake_key ON intake (key);
    CREATE FUNCTION runbook_refuse_intake_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the intake log is append-only';
    END $$;
    CREATE TRIGGER intake_no_update BEFORE UPDATE OR DELETE ON intake
        FOR EACH ROW EXECUTE FUNCTION runbook_refuse_intake_change();
    CREATE TRIGGER intake_no_truncate BEFORE TRUNCATE ON intake
        FOR EACH STATEMENT EXECUTE FUNCTION runbook_refuse_intake_change();
    CREATE FUNCTION runbook_count_intake() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT AS $$
    BEGIN
        UPDATE changes SET counter = counter + 1 WHERE id = 1;
        RETURN NULL;
    END $$;
    CREATE TRIGGER intake_counted AFTER INSERT ON intake
        FOR EACH ROW EXECUTE FUNCTION runbook_count_intake();
    REVOKE ALL ON intake FROM PUBLIC;
    DO $$
    DECLARE
        r RECORD;
    BEGIN
        FOR r IN SELECT db_role FROM operators
                 WHERE db_role IN (SELECT rolname FROM pg_roles) LOOP
            EXECUTE format('GRANT SELECT, INSERT ON intake TO %I', r.db_role);
        END LOOP;
    END $$;
    """
    + _check_actor(
        """\
                'PauseTargeted', 'PostsPaused', 'PostsResumed', 'NotificationsSent',
                'StatementPublished', 'EffectFailed', 'Escalated', 'EffectRequested',
                'LinkRefused', 'UpdateFellDue', 'UpdateEscalated', 'UpdateSent') THEN
"""
    ),
    # 5: find a command id across incidents (a reused --command-id is refused).
    """
    CREATE INDEX events_by_command ON events (command_id) WHERE command_id IS NOT NULL;
    """,
    # 6: runbook records each delivery as it starts and, after a crash, that it was
    # interrupted (it may have been sent).
    _check_actor(_SYSTEM_TYPES_6),
    # 7: the approval server's own role (``runbook db grant-server``): decisions through a
    # link and runbook's own steps only, so `runbook serve` needs neither a person's role nor
    # the owner's login.
    _CHECK_ACTOR_WITH_SERVER,
]


OPERATOR_GRANTS = (
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT ON {schema}.events TO {role}",
    "GRANT SELECT, INSERT ON {schema}.intake TO {role}",
    "GRANT SELECT ON {schema}.incidents, {schema}.changes, {schema}.operators, "
    "{schema}.runbook_schema TO {role}",
)
"""What an operator's role is granted: read everything, append events and warnings, nothing
more."""

TABLES = ("events", "incidents", "changes", "operators", "runbook_schema", "intake")
"""runbook's tables (``runbook db check`` lists what the login may do on each)."""
OWN_TABLES = frozenset(TABLES)
"""Every table the migrations make: a schema holding any other is not runbook's."""
