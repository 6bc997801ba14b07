-- Series (issue 18, item 3): recurring formats with a cadence, a template and episode labels; their
-- states enforced here; the posts made for a series; and its episodes, counted exactly once when a post
-- of the series is published.
--
-- States: active <-> paused, and retired (from either; final). series_transitions lists every allowed
-- move; a BEFORE trigger refuses any other, whoever runs the UPDATE. A new series is always active. A
-- retired series does not change any more (its past episodes stay, and a post of it already scheduled
-- still counts when it is published).
--
-- The cadence is always stored as an RFC 5545 RRULE (weekly, biweekly and monthly are rules too), with
-- the first day, the time of day and the IANA zone its wall times are read in; psn evaluates it (python-
-- dateutil), and refuses rules that never fire before they reach the hub.
--
-- Who: in a personal hub the member owns their series (RLS on member_id). In a company hub every active
-- member sees every series of the hub and may make posts for it; a series is changed (paused, resumed,
-- retired, edited) only by whoever created it or an editor/admin.
--
-- post_topics records each saved post's pillar and format (what series detection groups by).
--
-- Episodes: series_episodes is written only by the hub's trigger on post_targets (psn_app may only read
-- it): when a target of a post of a series becomes published, the post becomes the next episode, in that
-- same transaction, keyed by the post (ON CONFLICT DO NOTHING), under a lock of the series row: a second
-- target of the post, a retry or twenty concurrent publishes add nothing more. episodes_published follows
-- it, and only that trigger may change it.

CREATE TABLE series_transitions (
    from_state text NOT NULL,
    to_state   text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO series_transitions (from_state, to_state) VALUES
    ('active', 'paused'), ('paused', 'active'), ('active', 'retired'), ('paused', 'retired');
ALTER TABLE series_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE series_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_all ON series_transitions FOR SELECT USING (true);
CREATE POLICY owner_maintenance ON series_transitions TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON series_transitions TO psn_app;

CREATE TABLE series (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id          uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    slug               text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    cadence            text NOT NULL CHECK (cadence IN ('weekly', 'biweekly', 'monthly', 'rrule')),
    rrule              text NOT NULL CHECK (rrule ~ '^FREQ=[A-Z]+' AND length(rrule) <= 500),
    starts_on          date NOT NULL,
    time_of_day        time NOT NULL,
    timezone           text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 64),
    platforms          text[] NOT NULL CHECK (cardinality(platforms) BETWEEN 1 AND 4
                                              AND platforms <@ ARRAY['x', 'linkedin', 'instagram', 'tiktok']),
    pillar             text CHECK (pillar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    format             text CHECK (format ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    template           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(template) = 'object'
                                                            AND length(template::text) <= 20000),
    label_pattern      text NOT NULL DEFAULT '#{n}' CHECK (length(label_pattern) BETWEEN 1 AND 120),
    season_length      integer CHECK (season_length BETWEEN 1 AND 1000),
    first_episode      integer NOT NULL DEFAULT 1 CHECK (first_episode BETWEEN 0 AND 100000),
    episodes_published integer NOT NULL DEFAULT 0 CHECK (episodes_published >= 0),
    state              text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'retired')),
    state_changed_at   timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, slug)
);
CREATE INDEX series_state_idx ON series (state);

-- The posts made for a series (a post belongs to one series at most). occurrence_at: the occurrence it
-- was made for, when the caller said so; otherwise psn matches it to the nearest occurrence.
CREATE TABLE series_posts (
    post_id       uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    series_id     uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    member_id     uuid NOT NULL DEFAULT psn_current_member(),  -- who linked them
    occurrence_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_posts_series_idx ON series_posts (series_id);

-- One episode per occurrence: the posts made for one occurrence (one per platform, say) share its episode
-- number; a post made for no stated occurrence is an episode of its own.
CREATE TABLE series_episodes (
    series_id      uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    episode_number integer NOT NULL,
    post_id        uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    occurrence_at  timestamptz,
    member_id      uuid NOT NULL,  -- the series' creator (what RLS keys on in a personal hub)
    published_at   timestamptz NOT NULL
);
CREATE INDEX series_episodes_number_idx ON series_episodes (series_id, episode_number);
CREATE INDEX series_episodes_occurrence_idx ON series_episodes (series_id, occurrence_at);

-- What a post is about and how it is built, recorded where drafts are saved: its pillar (given, or its
-- series' or idea's) and its format (the voice format catalog's name: given, its series', or its shape).
-- Detection reads it: the same pillar and format 3+ times in 30 days suggests a series.
CREATE TABLE post_topics (
    post_id    uuid PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    member_id  uuid NOT NULL DEFAULT psn_current_member(),  -- who saved the draft
    pillar     text CHECK (pillar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    format     text CHECK (format ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The guard: the state machine, who may change what, the episode count left to the publish trigger.
CREATE FUNCTION public.psn_series_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_me      uuid := public.psn_current_member();
        v_role    text := public.psn_member_role();
        v_company boolean := public.psn_hub_kind() = 'company';
        v_owner   boolean := pg_catalog.pg_has_role(session_user, 'pg_database_owner', 'MEMBER');
        v_counted boolean := pg_trigger_depth() > 1;  -- inside psn_series_post_published
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.state IS DISTINCT FROM 'active' OR NEW.episodes_published <> 0 THEN
                RAISE EXCEPTION 'a new series is active with no episodes published'
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'series_transitions';
            END IF;
            NEW.state_changed_at := NEW.created_at;
            NEW.updated_at := now();
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.member_id <> OLD.member_id OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'a series'' id, creator and creation time never change'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.episodes_published IS DISTINCT FROM OLD.episodes_published THEN
            IF NOT v_counted OR NEW.episodes_published <> OLD.episodes_published + 1 THEN
                RAISE EXCEPTION 'a series'' episode count changes only when a post of it is published'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            NEW.updated_at := now();
            RETURN NEW;
        END IF;
        -- in a company hub only its creator, editors and admins change a series (coalesce: an unknown
        -- caller, NULL here, may do nothing)
        IF NOT coalesce(v_owner OR NOT v_company OR v_role IN ('owner', 'admin', 'editor')
                        OR OLD.member_id = v_me, false) THEN
            RAISE EXCEPTION 'only whoever created this series or an editor may change it'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.state = 'retired' THEN
            RAISE EXCEPTION 'a retired series does not change any more'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'series_transitions';
        END IF;
        IF NEW.state IS DISTINCT FROM OLD.state THEN
            IF NOT EXISTS (SELECT 1 FROM public.series_transitions t
                            WHERE t.from_state = OLD.state AND t.to_state = NEW.state) THEN
                RAISE EXCEPTION 'a series cannot go from % to %', OLD.state, NEW.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'series_transitions';
            END IF;
            -- psn passes its clock as state_changed_at; a move that does not set it happened at the hub's now
            IF NEW.state_changed_at IS NOT DISTINCT FROM OLD.state_changed_at THEN
                NEW.state_changed_at := now();
            END IF;
        ELSIF NEW.state_changed_at IS DISTINCT FROM OLD.state_changed_at THEN
            RAISE EXCEPTION 'a series'' state time changes only with its state'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_series_guard() FROM PUBLIC;
CREATE TRIGGER series_guard BEFORE INSERT OR UPDATE ON series FOR EACH ROW EXECUTE FUNCTION public.psn_series_guard();

-- A post of a series is published: it becomes the series' next episode, once. The series row is locked
-- first, so concurrent publishes of posts of one series number their episodes one after the other; the
-- insert is keyed by the post, so a second target of the same post, a retry or a concurrent publish of it
-- (which waits for the lock, then finds the post counted) adds nothing; a post of an occurrence that already
-- has its episode (made for another platform) joins that episode and adds nothing to the count. Called by the two triggers below
-- only (nobody else may execute it).
CREATE FUNCTION public.psn_series_count_episode(p_post uuid, p_published_at timestamptz) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_series     public.series%ROWTYPE;
        v_occurrence timestamptz := (SELECT l.occurrence_at FROM public.series_posts l WHERE l.post_id = p_post);
        v_number     integer;
        v_added      integer;
    BEGIN
        SELECT s.* INTO v_series FROM public.series s
         WHERE s.id = (SELECT l.series_id FROM public.series_posts l WHERE l.post_id = p_post)
           FOR UPDATE;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        -- another post of this occurrence (another platform) was published already: join its episode
        SELECT e.episode_number INTO v_number FROM public.series_episodes e
         WHERE e.series_id = v_series.id AND e.occurrence_at = v_occurrence LIMIT 1;
        INSERT INTO public.series_episodes (series_id, episode_number, post_id, occurrence_at, member_id, published_at)
        VALUES (v_series.id, coalesce(v_number, v_series.first_episode + v_series.episodes_published), p_post,
                v_occurrence, v_series.member_id, coalesce(p_published_at, now()))
        ON CONFLICT (post_id) DO NOTHING;
        GET DIAGNOSTICS v_added = ROW_COUNT;
        IF v_added = 1 AND v_number IS NULL THEN
            UPDATE public.series SET episodes_published = episodes_published + 1 WHERE id = v_series.id;
        END IF;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_series_count_episode(uuid, timestamptz) FROM PUBLIC;

CREATE FUNCTION public.psn_series_post_published() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        PERFORM public.psn_series_count_episode(NEW.post_id, NEW.published_at);
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_series_post_published() FROM PUBLIC;
CREATE TRIGGER post_targets_series_episode AFTER UPDATE OF status ON post_targets
    FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
    EXECUTE FUNCTION public.psn_series_post_published();

-- A post linked to a series after it was published counts as its episode then (once, as above).
CREATE FUNCTION public.psn_series_post_linked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = NEW.post_id AND t.status = 'published') THEN
            PERFORM public.psn_series_count_episode(
                NEW.post_id, (SELECT min(t.published_at) FROM public.post_targets t WHERE t.post_id = NEW.post_id));
        END IF;
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_series_post_linked() FROM PUBLIC;
CREATE TRIGGER series_posts_published_already AFTER INSERT ON series_posts
    FOR EACH ROW EXECUTE FUNCTION public.psn_series_post_linked();

-- The posts of some series and where each stands (published, scheduled or waiting for approval, or only a
-- draft), with the instant it went or goes out. SECURITY DEFINER because in a company hub a contributor
-- sees only their own posts, yet must know that an episode is already taken; it applies the series
-- policy itself (who the caller is, from session_user, as everywhere) and reveals nothing but times.
CREATE FUNCTION public.psn_series_post_times(p_series uuid[])
    RETURNS TABLE (series_id uuid, post_id uuid, occurrence_at timestamptz, at timestamptz, stage text,
                   episode_number integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT l.series_id, l.post_id, l.occurrence_at,
               coalesce(e.published_at, min(t.published_at), min(t.due_at), p.scheduled_at) AS at,
               CASE WHEN e.post_id IS NOT NULL THEN 'published'
                    WHEN bool_or(t.status IN ('scheduled', 'publishing', 'pending_approval', 'published')) THEN 'scheduled'
                    WHEN bool_or(t.status IN ('draft', 'failed', 'needs_attention')) THEN 'draft'
                    ELSE 'dropped' END AS stage,
               e.episode_number
          FROM public.series_posts l
          JOIN public.series s ON s.id = l.series_id
          JOIN public.posts p ON p.id = l.post_id
          LEFT JOIN public.post_targets t ON t.post_id = l.post_id
          LEFT JOIN public.series_episodes e ON e.post_id = l.post_id
         WHERE l.series_id = ANY (p_series)
           AND public.psn_member_role() IS NOT NULL
           AND (s.member_id = public.psn_current_member() OR public.psn_hub_kind() = 'company')
         GROUP BY l.series_id, l.post_id, l.occurrence_at, e.published_at, e.post_id, e.episode_number, p.scheduled_at
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_series_post_times(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_series_post_times(uuid[]) TO psn_app;

-- Row-level security ------------------------------------------------------------------------------
-- Policies name no role (as 0013): they hold for psn_app and members' login roles alike.

ALTER TABLE series ENABLE ROW LEVEL SECURITY;
ALTER TABLE series FORCE ROW LEVEL SECURITY;
CREATE POLICY member_series ON series
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'))
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL
                AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'));
-- a new series is the caller's own
CREATE POLICY own_series ON series AS RESTRICTIVE FOR INSERT WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON series TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE series_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE series_posts FORCE ROW LEVEL SECURITY;
CREATE POLICY member_series_posts ON series_posts FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND EXISTS (SELECT 1 FROM public.series s WHERE s.id = series_id));
-- linking needs a post the caller can see and a series the caller can see that is not retired
CREATE POLICY member_link ON series_posts FOR INSERT
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member()
                AND EXISTS (SELECT 1 FROM public.posts p WHERE p.id = post_id)
                AND EXISTS (SELECT 1 FROM public.series s WHERE s.id = series_id AND s.state <> 'retired'));
CREATE POLICY owner_maintenance ON series_posts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE series_episodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE series_episodes FORCE ROW LEVEL SECURITY;
CREATE POLICY member_series_episodes ON series_episodes FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL
           AND (member_id = psn_current_member() OR (SELECT psn_hub_kind()) = 'company'));
CREATE POLICY owner_maintenance ON series_episodes TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE post_topics ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_topics FORCE ROW LEVEL SECURITY;
-- seen with the post it describes; written once, by whoever saved the post (who can see it)
CREATE POLICY member_post_topics ON post_topics FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL AND EXISTS (SELECT 1 FROM public.posts p WHERE p.id = post_id));
CREATE POLICY member_post_topics_insert ON post_topics FOR INSERT
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member()
                AND EXISTS (SELECT 1 FROM public.posts p WHERE p.id = post_id));
CREATE POLICY owner_maintenance ON post_topics TO CURRENT_USER USING (true) WITH CHECK (true);

-- No DELETE: a series ends by being retired, its episodes stay.
GRANT SELECT, INSERT, UPDATE ON series TO psn_app;
GRANT SELECT, INSERT ON series_posts TO psn_app;
GRANT SELECT ON series_episodes TO psn_app;
GRANT SELECT, INSERT ON post_topics TO psn_app;
