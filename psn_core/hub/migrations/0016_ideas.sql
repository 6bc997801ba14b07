-- 0016 the ideas bank (issue 18, item 2): ideas, their state machine enforced here, every transition
-- recorded, full-text search, and the link from an idea to the posts made from it.
--
-- States: spark -> seed -> ready -> claimed -> developed -> used, a claim released (claimed -> ready),
-- and killed (with a reason) from any live state. idea_transitions lists every allowed move; a BEFORE
-- trigger refuses any other, whoever runs the UPDATE (psn, raw SQL as psn_app or a member's login role,
-- the owner too). A new idea is always a spark. used and killed are final.
--
-- Who: in a personal hub the member owns their ideas (RLS on member_id). In a company hub every active
-- member sees every idea of the hub; anyone may claim a ready idea (the claimer is who runs the UPDATE,
-- set by the hub, never by the caller); a claimed or developed idea is moved, edited or killed only by
-- its claimer or an editor/admin; an unclaimed one by its capturer or an editor/admin. The one
-- exception: publishing a post made from a developed idea marks it used, whoever publishes it.
--
-- idea_events is written only by the hub's triggers (psn_app may only read it), one row per transition:
-- from, to, by whom, when (the database's clock) and the reason (a kill's reason, or the note the
-- caller set in ideas.transition_note, which is never stored on the idea itself).

CREATE TABLE idea_transitions (
    from_state text NOT NULL,
    to_state   text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO idea_transitions (from_state, to_state) VALUES
    ('spark', 'seed'), ('seed', 'ready'), ('ready', 'claimed'), ('claimed', 'developed'),
    ('developed', 'used'), ('claimed', 'ready'),
    ('spark', 'killed'), ('seed', 'killed'), ('ready', 'killed'), ('claimed', 'killed'), ('developed', 'killed');
ALTER TABLE idea_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_all ON idea_transitions FOR SELECT USING (true);
CREATE POLICY owner_maintenance ON idea_transitions TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON idea_transitions TO psn_app;

-- The text search configuration of an idea's language ('simple' for languages without one). A
-- SQL-standard body: the configurations are bound when it is created, so it is truly immutable.
CREATE FUNCTION public.psn_ts_config(p_language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE split_part(lower(p_language), '-', 1)
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        WHEN 'es' THEN 'pg_catalog.spanish'::regconfig
        WHEN 'fr' THEN 'pg_catalog.french'::regconfig
        WHEN 'de' THEN 'pg_catalog.german'::regconfig
        WHEN 'pt' THEN 'pg_catalog.portuguese'::regconfig
        WHEN 'it' THEN 'pg_catalog.italian'::regconfig
        ELSE 'pg_catalog.simple'::regconfig
    END;
END;
GRANT EXECUTE ON FUNCTION public.psn_ts_config(text) TO psn_app;

CREATE TABLE ideas (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id        uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    text             text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 2000),
    pillar           text CHECK (pillar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    platform         text CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    urgency          text NOT NULL DEFAULT 'evergreen' CHECK (urgency IN ('timely', 'seasonal', 'evergreen')),
    urgency_inferred boolean NOT NULL DEFAULT false,
    language         text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
    source           text NOT NULL DEFAULT 'capture' CHECK (source IN ('capture', 'plan', 'trend', 'remix', 'recycle')),
    state            text NOT NULL DEFAULT 'spark'
                     CHECK (state IN ('spark', 'seed', 'ready', 'claimed', 'developed', 'used', 'killed')),
    claimed_by       uuid REFERENCES members (id) ON DELETE SET NULL,
    claimed_at       timestamptz,
    kill_reason      text,
    transition_note  text CHECK (length(transition_note) <= 500),
    created_at       timestamptz NOT NULL DEFAULT now(),
    touched_at       timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector(psn_ts_config(language), text), 'A')
                         || setweight(to_tsvector('pg_catalog.simple'::regconfig, coalesce(pillar, '')), 'B')) STORED,
    -- a kill always has its reason, and only a killed idea has one
    CONSTRAINT ideas_kill_reason CHECK ((state = 'killed') = (kill_reason IS NOT NULL AND length(btrim(kill_reason)) BETWEEN 1 AND 500)),
    -- claimed and developed ideas have their claimer (who may be removed since: NULL)
    CONSTRAINT ideas_claim CHECK (state IN ('claimed', 'developed', 'used', 'killed') OR claimed_by IS NULL)
);
CREATE INDEX ideas_member_state_idx ON ideas (member_id, state, touched_at);
CREATE INDEX ideas_state_idx ON ideas (state, touched_at);
CREATE INDEX ideas_expiry_idx ON ideas (urgency, created_at) WHERE state IN ('spark', 'seed', 'ready');
CREATE INDEX ideas_search_idx ON ideas USING gin (search);

CREATE TABLE idea_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idea_id    uuid NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    member_id  uuid NOT NULL,  -- the idea's capturer (what RLS keys on in a personal hub)
    from_state text,           -- NULL: captured
    to_state   text NOT NULL,
    by_member  uuid,
    at         timestamptz NOT NULL DEFAULT now(),
    reason     text
);
CREATE INDEX idea_events_idea_idx ON idea_events (idea_id, id);

-- The posts made from an idea (a post made from one idea; an idea may give several posts).
CREATE TABLE idea_posts (
    idea_id    uuid NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    member_id  uuid NOT NULL DEFAULT psn_current_member(),  -- who linked them
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idea_id, post_id)
);
CREATE INDEX idea_posts_post_idx ON idea_posts (post_id);

-- The guard: the state machine, who may do what, the claimer set by the hub, the event recorded.
-- SECURITY DEFINER so it can write idea_events, which the caller may only read; who the caller is
-- comes from psn_current_member() / psn_member_role() (session_user), as everywhere.
CREATE FUNCTION public.psn_idea_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_me      uuid := public.psn_current_member();
        v_role    text := public.psn_member_role();
        v_company boolean := public.psn_hub_kind() = 'company';
        v_owner   boolean := pg_catalog.pg_has_role(session_user, 'pg_database_owner', 'MEMBER');
        v_may     boolean;
        v_note    text;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.state IS DISTINCT FROM 'spark' THEN
                RAISE EXCEPTION 'a new idea is a spark, not %', NEW.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'idea_transitions';
            END IF;
            NEW.claimed_by := NULL;
            NEW.claimed_at := NULL;
            NEW.state_changed_at := NEW.created_at;
            NEW.updated_at := now();
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.member_id <> OLD.member_id OR NEW.source <> OLD.source
           OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'an idea''s id, capturer, source and capture time never change'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- who may develop this idea: in a personal hub its member (RLS decided); in a company hub the
        -- claimer of a claimed idea, the capturer of an unclaimed one, editors and admins
        -- (coalesce: an unknown caller, NULL here, may do nothing; NOT NULL would let it through)
        v_may := coalesce(v_owner OR NOT v_company OR v_role IN ('owner', 'admin', 'editor')
                          OR (OLD.claimed_by IS NOT NULL AND OLD.claimed_by = v_me)
                          OR (OLD.claimed_by IS NULL AND OLD.state NOT IN ('claimed', 'developed')
                              AND OLD.member_id = v_me), false);
        v_note := NEW.transition_note;
        NEW.transition_note := NULL;
        NEW.updated_at := now();
        IF NEW.state IS DISTINCT FROM OLD.state THEN
            IF NOT EXISTS (SELECT 1 FROM public.idea_transitions t
                            WHERE t.from_state = OLD.state AND t.to_state = NEW.state) THEN
                RAISE EXCEPTION 'an idea cannot go from % to %', OLD.state, NEW.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'idea_transitions';
            END IF;
            IF NEW.state = 'claimed' THEN
                NEW.claimed_by := v_me;  -- a claim is always the caller's own
                NEW.claimed_at := now();
            ELSIF NOT (v_may OR (OLD.state = 'developed' AND NEW.state = 'used' AND pg_trigger_depth() > 1)) THEN
                RAISE EXCEPTION 'only % or an editor may move this idea from % to %',
                    CASE WHEN OLD.claimed_by IS NOT NULL THEN 'its claimer' ELSE 'whoever captured it' END,
                    OLD.state, NEW.state
                    USING ERRCODE = 'insufficient_privilege';
            ELSIF NEW.state = 'ready' THEN
                NEW.claimed_by := NULL;  -- a released claim
                NEW.claimed_at := NULL;
            ELSIF NEW.claimed_by IS DISTINCT FROM OLD.claimed_by OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at THEN
                RAISE EXCEPTION 'a claim changes only by claiming or releasing' USING ERRCODE = 'insufficient_privilege';
            END IF;
            -- psn passes its clock as touched_at; a move that does not set it happened at the hub's now
            NEW.state_changed_at := CASE WHEN NEW.touched_at IS DISTINCT FROM OLD.touched_at
                                         THEN NEW.touched_at ELSE now() END;
            INSERT INTO public.idea_events (idea_id, member_id, from_state, to_state, by_member, reason)
            VALUES (NEW.id, NEW.member_id, OLD.state, NEW.state, v_me,
                    CASE WHEN NEW.state = 'killed' THEN NEW.kill_reason ELSE v_note END);
            RETURN NEW;
        END IF;
        IF NEW.claimed_by IS DISTINCT FROM OLD.claimed_by OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at
           OR NEW.state_changed_at IS DISTINCT FROM OLD.state_changed_at THEN
            RAISE EXCEPTION 'a claim changes only by claiming or releasing' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT v_may THEN
            RAISE EXCEPTION 'only % or an editor may change this idea',
                CASE WHEN OLD.claimed_by IS NOT NULL THEN 'its claimer' ELSE 'whoever captured it' END
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.state IN ('used', 'killed') AND (NEW.text, NEW.pillar, NEW.platform, NEW.urgency, NEW.language,
                                                 NEW.touched_at, NEW.kill_reason)
               IS DISTINCT FROM (OLD.text, OLD.pillar, OLD.platform, OLD.urgency, OLD.language,
                                 OLD.touched_at, OLD.kill_reason) THEN
            RAISE EXCEPTION 'a % idea does not change any more', OLD.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'idea_transitions';
        END IF;
        RETURN NEW;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_idea_guard() FROM PUBLIC;
CREATE TRIGGER ideas_guard BEFORE INSERT OR UPDATE ON ideas FOR EACH ROW EXECUTE FUNCTION public.psn_idea_guard();

-- The capture itself is the first event (from NULL).
CREATE FUNCTION public.psn_idea_captured() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        INSERT INTO public.idea_events (idea_id, member_id, from_state, to_state, by_member, reason)
        VALUES (NEW.id, NEW.member_id, NULL, NEW.state, public.psn_current_member(), NEW.source);
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_idea_captured() FROM PUBLIC;
CREATE TRIGGER ideas_captured AFTER INSERT ON ideas FOR EACH ROW EXECUTE FUNCTION public.psn_idea_captured();

-- A post made from a developed idea is published: the idea is used, once (a second target, a retry or a
-- concurrent publish finds it used already and changes nothing).
CREATE FUNCTION public.psn_idea_post_published() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        UPDATE public.ideas i SET state = 'used', transition_note = 'its post was published'
         WHERE i.state = 'developed'
           AND i.id IN (SELECT l.idea_id FROM public.idea_posts l WHERE l.post_id = NEW.post_id);
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_idea_post_published() FROM PUBLIC;
CREATE TRIGGER post_targets_idea_used AFTER UPDATE OF status ON post_targets
    FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
    EXECUTE FUNCTION public.psn_idea_post_published();

-- Full-text search, best first. Under RLS Postgres cannot use the GIN index (@@ is not leakproof, so it
-- may not run before the policy's check), and every search would read the whole table. This function
-- runs as the owner, so the index is used, and applies exactly the member_ideas policy itself (who the
-- caller is, from session_user, as everywhere); psn then loads the rows it returns as the caller, under
-- RLS again. The query is read once in every configuration; their union finds candidates through the
-- index; each idea must match the query read in its own language's configuration, and is ranked by it
-- (ts_rank_cd: how close and how often the words appear; the text weighs more than the pillar).
CREATE FUNCTION public.psn_search_ideas(p_query text, p_states text[], p_pillar text, p_platform text,
                                        p_limit integer)
    RETURNS TABLE (id uuid, rank real)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        WITH langs AS MATERIALIZED (
            SELECT c.config, websearch_to_tsquery(c.config, p_query) AS tsq
              FROM unnest('{pg_catalog.english, pg_catalog.spanish, pg_catalog.french, pg_catalog.german,
                            pg_catalog.portuguese, pg_catalog.italian, pg_catalog.simple}'::regconfig[]) AS c (config)
        ), caller AS MATERIALIZED (
            SELECT public.psn_member_role() IS NOT NULL AS active, public.psn_current_member() AS me,
                   public.psn_hub_kind() = 'company' AS company
        )
        SELECT i.id, ts_rank_cd(i.search, l.tsq) AS rank
          FROM public.ideas i
          JOIN langs l ON l.config = public.psn_ts_config(i.language)
         WHERE i.search @@ (SELECT tsquery_or_all FROM (
                   SELECT websearch_to_tsquery('pg_catalog.english', p_query)
                          || websearch_to_tsquery('pg_catalog.spanish', p_query)
                          || websearch_to_tsquery('pg_catalog.french', p_query)
                          || websearch_to_tsquery('pg_catalog.german', p_query)
                          || websearch_to_tsquery('pg_catalog.portuguese', p_query)
                          || websearch_to_tsquery('pg_catalog.italian', p_query)
                          || websearch_to_tsquery('pg_catalog.simple', p_query) AS tsquery_or_all) q)
           AND i.search @@ l.tsq
           AND i.state = ANY (p_states)
           AND (p_pillar IS NULL OR i.pillar = p_pillar)
           AND (p_platform IS NULL OR i.platform = p_platform OR i.platform IS NULL)
           AND (SELECT c.active FROM caller c)
           AND (i.member_id = (SELECT c.me FROM caller c) OR (SELECT c.company FROM caller c))
         ORDER BY rank DESC, i.touched_at DESC, i.id
         LIMIT least(greatest(p_limit, 1), 1000)
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_search_ideas(text, text[], text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_search_ideas(text, text[], text, text, integer) TO psn_app;

-- Row-level security ------------------------------------------------------------------------------
-- Policies name no role (as 0013): they hold for psn_app and members' login roles alike.

ALTER TABLE ideas ENABLE ROW LEVEL SECURITY;
ALTER TABLE ideas FORCE ROW LEVEL SECURITY;
CREATE POLICY member_ideas ON ideas
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'))
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL
                AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'));
-- a new idea is the caller's own
CREATE POLICY own_capture ON ideas AS RESTRICTIVE FOR INSERT WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON ideas TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE idea_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_events FORCE ROW LEVEL SECURITY;
CREATE POLICY member_idea_events ON idea_events FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'));
CREATE POLICY owner_maintenance ON idea_events TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE idea_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE idea_posts FORCE ROW LEVEL SECURITY;
CREATE POLICY member_idea_posts ON idea_posts FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'));
-- linking needs a post the caller can see and an idea the caller may develop (in a company hub: their
-- claim, their own unclaimed idea, or any for editors and admins), so nobody's post can use up
-- another member's idea when it publishes
CREATE POLICY member_link ON idea_posts FOR INSERT
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member()
                AND EXISTS (SELECT 1 FROM public.posts p WHERE p.id = post_id)
                AND EXISTS (SELECT 1 FROM public.ideas i
                             WHERE i.id = idea_id
                               AND ((SELECT psn_hub_kind()) <> 'company'
                                    OR (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')
                                    OR i.claimed_by = psn_current_member()
                                    OR (i.claimed_by IS NULL AND i.state NOT IN ('claimed', 'developed')
                                        AND i.member_id = psn_current_member()))));
CREATE POLICY owner_maintenance ON idea_posts TO CURRENT_USER USING (true) WITH CHECK (true);

-- No DELETE: an idea leaves the bank by being killed (with its reason), never without a trace.
GRANT SELECT, INSERT, UPDATE ON ideas TO psn_app;
GRANT SELECT ON idea_events TO psn_app;
GRANT SELECT, INSERT ON idea_posts TO psn_app;
