-- The weekly plan (issue 18, item 4): one plan per member per ISO week (Monday in the member's zone), its
-- slots (a platform, a time, what to post: a series episode, a ready idea, a remix or recycle of a top
-- post, or an open slot waiting for an idea), and each slot's link to the post drafted from it.
--
-- Plan states: proposed -> accepted (a slot was drafted) -> completed (every slot published or skipped);
-- proposed or accepted -> abandoned. completed and abandoned are final, and their slots never change again.
-- Slot states: planned -> drafted -> scheduled -> published; planned -> skipped -> planned; a slot whose
-- post is deleted goes back to planned. drafted, scheduled and published need their post; planned and
-- skipped have none. A slot with a post is never deleted (regenerating a plan keeps slots already drafted).
-- The transition tables list every allowed move; BEFORE triggers refuse any other, whoever runs the
-- UPDATE (psn, raw SQL as psn_app or a member's login role). Posts move their slots: scheduling a post
-- makes its slot scheduled, publishing it published (the hub's trigger, once, under retries too); a plan
-- whose every slot is published or skipped is completed.
--
-- Who: a plan and its slots are their member's alone, in a personal hub and in a company hub alike (RLS
-- on member_id, the member from session_user as everywhere).

CREATE TABLE weekly_plan_transitions (
    from_state text NOT NULL,
    to_state   text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO weekly_plan_transitions (from_state, to_state) VALUES
    ('proposed', 'accepted'), ('accepted', 'completed'),
    ('proposed', 'abandoned'), ('accepted', 'abandoned');

CREATE TABLE plan_slot_transitions (
    from_state text NOT NULL,
    to_state   text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO plan_slot_transitions (from_state, to_state) VALUES
    ('planned', 'drafted'), ('drafted', 'scheduled'), ('scheduled', 'published'), ('drafted', 'published'),
    ('scheduled', 'drafted'), ('planned', 'skipped'), ('skipped', 'planned'),
    ('drafted', 'planned'), ('scheduled', 'planned'), ('published', 'planned');

ALTER TABLE weekly_plan_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE weekly_plan_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_all ON weekly_plan_transitions FOR SELECT USING (true);
CREATE POLICY owner_maintenance ON weekly_plan_transitions TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE plan_slot_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_slot_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_all ON plan_slot_transitions FOR SELECT USING (true);
CREATE POLICY owner_maintenance ON plan_slot_transitions TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON weekly_plan_transitions, plan_slot_transitions TO psn_app;

CREATE TABLE weekly_plans (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id    uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    week_start   date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    zone         text NOT NULL CHECK (length(zone) BETWEEN 1 AND 64),
    state        text NOT NULL DEFAULT 'proposed'
                 CHECK (state IN ('proposed', 'accepted', 'completed', 'abandoned')),
    capacity     integer NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 500),
    generated_at timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, week_start),
    UNIQUE (id, member_id)
);

CREATE TABLE plan_slots (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id        uuid NOT NULL,
    member_id      uuid NOT NULL DEFAULT psn_current_member(),
    position       integer NOT NULL CHECK (position BETWEEN 1 AND 500),
    at             timestamptz NOT NULL,
    local_day      date NOT NULL,
    platform       text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    kind           text NOT NULL CHECK (kind IN ('series', 'idea', 'remix', 'recycle', 'open')),
    topic          text NOT NULL DEFAULT '' CHECK (length(topic) <= 2000),
    pillar         text CHECK (pillar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    angle          text CHECK (angle ~ '^[a-z][a-z-]{0,39}$'),
    language       text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
    idea_id        uuid REFERENCES ideas (id) ON DELETE SET NULL,
    series_id      uuid,
    episode_number integer CHECK (episode_number >= 1),
    episode_label  text CHECK (length(episode_label) <= 200),
    occurrence_at  timestamptz,  -- a series slot: the occurrence of the series it is for
    source_post_id uuid REFERENCES posts (id) ON DELETE SET NULL,
    reason         text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    state          text NOT NULL DEFAULT 'planned'
                   CHECK (state IN ('planned', 'drafted', 'scheduled', 'published', 'skipped')),
    post_id        uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (plan_id, member_id) REFERENCES weekly_plans (id, member_id) ON DELETE CASCADE,
    -- the post is the member's own; deleting it empties the slot (the guard moves it back to planned)
    FOREIGN KEY (post_id, member_id) REFERENCES posts (id, member_id) ON DELETE SET NULL (post_id),
    UNIQUE (plan_id, position),
    CONSTRAINT plan_slots_post CHECK ((state IN ('drafted', 'scheduled', 'published')) = (post_id IS NOT NULL)),
    CONSTRAINT plan_slots_series CHECK ((kind = 'series') = (series_id IS NOT NULL AND occurrence_at IS NOT NULL))
);
CREATE INDEX plan_slots_plan_idx ON plan_slots (plan_id, at);
CREATE UNIQUE INDEX plan_slots_post_idx ON plan_slots (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX plan_slots_source_idx ON plan_slots (source_post_id) WHERE source_post_id IS NOT NULL;

CREATE FUNCTION public.psn_weekly_plan_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.state IS DISTINCT FROM 'proposed' THEN
                RAISE EXCEPTION 'a new weekly plan is proposed, not %', NEW.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'weekly_plan_transitions';
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.member_id <> OLD.member_id OR NEW.week_start <> OLD.week_start
           OR NEW.zone <> OLD.zone OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'a weekly plan''s id, member, week and zone never change'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.state IN ('completed', 'abandoned') THEN
            RAISE EXCEPTION 'a % weekly plan does not change any more', OLD.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'weekly_plan_transitions';
        END IF;
        IF NEW.state IS DISTINCT FROM OLD.state AND NOT EXISTS (
               SELECT 1 FROM public.weekly_plan_transitions t WHERE t.from_state = OLD.state AND t.to_state = NEW.state) THEN
            RAISE EXCEPTION 'a weekly plan cannot go from % to %', OLD.state, NEW.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'weekly_plan_transitions';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_weekly_plan_guard() FROM PUBLIC;
CREATE TRIGGER weekly_plans_guard BEFORE INSERT OR UPDATE ON weekly_plans
    FOR EACH ROW EXECUTE FUNCTION public.psn_weekly_plan_guard();

CREATE FUNCTION public.psn_plan_slot_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_plan_state text;
        v_unlinked   boolean := TG_OP = 'UPDATE' AND OLD.post_id IS NOT NULL AND NEW.post_id IS NULL;
    BEGIN
        SELECT p.state INTO v_plan_state FROM public.weekly_plans p
         WHERE p.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.plan_id ELSE OLD.plan_id END;
        -- (a deleted post still empties its slot, whatever the plan's state)
        IF v_plan_state IN ('completed', 'abandoned') AND NOT v_unlinked THEN
            RAISE EXCEPTION 'the slots of a % weekly plan do not change any more', v_plan_state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_slot_transitions';
        END IF;
        IF TG_OP = 'DELETE' THEN
            -- v_plan_state IS NULL: the plan itself is being deleted (its member was removed)
            IF OLD.post_id IS NOT NULL AND v_plan_state IS NOT NULL THEN
                RAISE EXCEPTION 'a plan slot with its post (%) stays: skip it instead', OLD.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_slot_transitions';
            END IF;
            RETURN OLD;
        END IF;
        IF TG_OP = 'INSERT' THEN
            IF NEW.state IS DISTINCT FROM 'planned' OR NEW.post_id IS NOT NULL THEN
                RAISE EXCEPTION 'a new plan slot is planned, without a post'
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_slot_transitions';
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.plan_id <> OLD.plan_id OR NEW.member_id <> OLD.member_id
           OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'a plan slot''s id, plan and member never change' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.post_id IS DISTINCT FROM OLD.post_id AND OLD.post_id IS NOT NULL AND NEW.post_id IS NOT NULL THEN
            RAISE EXCEPTION 'a plan slot keeps the post drafted from it' USING ERRCODE = 'check_violation',
                CONSTRAINT = 'plan_slot_transitions';
        END IF;
        IF v_unlinked THEN
            -- its post was deleted, or none of its targets is live any more (cancelled, expired, failed)
            IF EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = OLD.post_id
                        AND t.status NOT IN ('cancelled', 'expired', 'failed'))
               OR NOT EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = OLD.post_id)
                  AND EXISTS (SELECT 1 FROM public.posts p WHERE p.id = OLD.post_id) THEN
                RAISE EXCEPTION 'a plan slot keeps the post drafted from it' USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'plan_slot_transitions';
            END IF;
            NEW.state := 'planned';  -- the slot is open again (a series slot keeps its occurrence)
            NEW.updated_at := now();
            RETURN NEW;
        END IF;
        IF NEW.state IS DISTINCT FROM OLD.state AND NOT EXISTS (
               SELECT 1 FROM public.plan_slot_transitions t WHERE t.from_state = OLD.state AND t.to_state = NEW.state) THEN
            RAISE EXCEPTION 'a plan slot cannot go from % to %', OLD.state, NEW.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_slot_transitions';
        END IF;
        IF NEW.state = 'planned' AND OLD.state IN ('drafted', 'scheduled', 'published') AND NEW.post_id IS NOT NULL THEN
            RAISE EXCEPTION 'a plan slot goes back to planned only when its post is deleted'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_slot_transitions';
        END IF;
        IF OLD.post_id IS NOT NULL AND (NEW.kind, NEW.platform, NEW.at, NEW.idea_id, NEW.series_id, NEW.occurrence_at)
               IS DISTINCT FROM (OLD.kind, OLD.platform, OLD.at, OLD.idea_id, OLD.series_id, OLD.occurrence_at) THEN
            RAISE EXCEPTION 'a drafted plan slot keeps what it was planned for' USING ERRCODE = 'check_violation',
                CONSTRAINT = 'plan_slot_transitions';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_plan_slot_guard() FROM PUBLIC;
CREATE TRIGGER plan_slots_guard BEFORE INSERT OR UPDATE OR DELETE ON plan_slots
    FOR EACH ROW EXECUTE FUNCTION public.psn_plan_slot_guard();

-- A plan whose slots are all published or skipped (and at least one published) is completed; a plan
-- with a drafted slot is accepted (drafting from a proposed plan accepts it).
CREATE FUNCTION public.psn_plan_progress() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF NEW.state IN ('drafted', 'scheduled', 'published') THEN
            UPDATE public.weekly_plans p SET state = 'accepted' WHERE p.id = NEW.plan_id AND p.state = 'proposed';
        END IF;
        IF NEW.state IN ('published', 'skipped') AND NOT EXISTS (
               SELECT 1 FROM public.plan_slots s WHERE s.plan_id = NEW.plan_id AND s.state NOT IN ('published', 'skipped'))
           AND EXISTS (SELECT 1 FROM public.plan_slots s WHERE s.plan_id = NEW.plan_id AND s.state = 'published') THEN
            UPDATE public.weekly_plans p SET state = 'completed' WHERE p.id = NEW.plan_id AND p.state = 'accepted';
        END IF;
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_plan_progress() FROM PUBLIC;
CREATE TRIGGER plan_slots_progress AFTER UPDATE OF state ON plan_slots
    FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state) EXECUTE FUNCTION public.psn_plan_progress();

-- A post drafted from a slot is scheduled or published: its slot follows, once; when none of its targets is
-- live any more (cancelled, expired, failed) the slot goes back to planned, unlinked, to be drafted again (a retry, a second target
-- or a concurrent publish finds it there already and changes nothing). SECURITY DEFINER: the worker that
-- publishes may be another session than the slot's member's (RLS would hide the slot from it).
CREATE FUNCTION public.psn_plan_slot_post_moved() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        -- slots of a closed (completed or abandoned) plan stay as they are: the post goes out all the same
        IF NEW.status = 'published' THEN
            UPDATE public.plan_slots s SET state = 'published'
             WHERE s.post_id = NEW.post_id AND s.state IN ('drafted', 'scheduled')
               AND EXISTS (SELECT 1 FROM public.weekly_plans p WHERE p.id = s.plan_id AND p.state IN ('proposed', 'accepted'));
        ELSIF NEW.status = 'scheduled' THEN
            UPDATE public.plan_slots s SET state = 'scheduled' WHERE s.post_id = NEW.post_id AND s.state = 'drafted'
               AND EXISTS (SELECT 1 FROM public.weekly_plans p WHERE p.id = s.plan_id AND p.state IN ('proposed', 'accepted'));
        ELSIF NOT EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = NEW.post_id
                           AND t.status NOT IN ('cancelled', 'expired', 'failed')) THEN
            -- no live target of the post is left: its slot is open again, to be drafted anew
            UPDATE public.plan_slots s SET post_id = NULL, state = 'planned'
             WHERE s.post_id = NEW.post_id AND s.state IN ('drafted', 'scheduled')
               AND EXISTS (SELECT 1 FROM public.weekly_plans p WHERE p.id = s.plan_id AND p.state IN ('proposed', 'accepted'));
        END IF;
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_plan_slot_post_moved() FROM PUBLIC;
CREATE TRIGGER post_targets_plan_slot AFTER UPDATE OF status ON post_targets
    FOR EACH ROW WHEN (NEW.status IN ('scheduled', 'published', 'cancelled', 'expired', 'failed')
                       AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION public.psn_plan_slot_post_moved();

-- Row-level security: a member's plans and slots are their own (personal and company hubs alike).
ALTER TABLE weekly_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE weekly_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY member_plans ON weekly_plans
    USING ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member());
CREATE POLICY owner_maintenance ON weekly_plans TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE plan_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_slots FORCE ROW LEVEL SECURITY;
CREATE POLICY member_plan_slots ON plan_slots
    USING ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member());
CREATE POLICY owner_maintenance ON plan_slots TO CURRENT_USER USING (true) WITH CHECK (true);

-- No DELETE of plans: a week's plan is abandoned, never removed without a trace.
GRANT SELECT, INSERT, UPDATE ON weekly_plans TO psn_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON plan_slots TO psn_app;
