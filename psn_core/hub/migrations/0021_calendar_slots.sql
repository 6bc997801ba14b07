-- Calendar slot claims in company hubs (issue 18, item 5): a member claims a slot (an account of the hub
-- at one instant) before drafting for it, so two members never plan the same slot.
--
-- A claim is a placeholder row. UNIQUE (account_id, slot_at) is the lock: of any number of members
-- claiming one slot at once, exactly one insert commits; the others find it taken (psn inserts with
-- ON CONFLICT DO NOTHING and then names the holder). The key is the hub (one database each) + the
-- account (which fixes the platform) + the instant, a whole minute in UTC. Claims closer than 30 minutes
-- on one account are one slot to the calendar: the guard refuses the second (under a per-account lock).
--
-- Who: only in a company hub, only active members. Every active member sees every claim. A claim is
-- always the caller's own (claimed_by and claimed_at are set by the hub, never by the caller); psn
-- refuses slots that have passed by the caller's clock (a past claim harms nobody). It is released
-- (deleted) only by its claimer or an editor/admin. Nothing about a claim changes afterwards except
-- that its claimer links it, once, to the post they drafted for it (a post they wrote with a target on
-- the slot's account); that a link to a post whose targets are all cancelled (rejected) is cleared, by the
-- claimer or an editor/admin, so the claimer's next post at the slot links to it again; and that a deleted
-- post leaves its claim unlinked.

CREATE TABLE calendar_slots (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform   text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    slot_at    timestamptz NOT NULL CHECK (date_trunc('minute', slot_at) = slot_at),
    claimed_by uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    note       text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    post_id    uuid REFERENCES posts (id) ON DELETE SET NULL,
    CONSTRAINT calendar_slots_one_claim UNIQUE (account_id, slot_at)
);
CREATE INDEX calendar_slots_at_idx ON calendar_slots (slot_at);

-- The guard: a new claim is the caller's own, on the account's own platform; only
-- the link to a post ever changes, set once by the claimer to a post of theirs on the slot's account.
-- SECURITY DEFINER only to read the account and the post whatever their visibility; who the caller is
-- comes from psn_current_member() (session_user), as everywhere.
CREATE FUNCTION public.psn_slot_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_me    uuid := public.psn_current_member();
        v_owner boolean := pg_catalog.pg_has_role(session_user, 'pg_database_owner', 'MEMBER');
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NOT v_owner THEN
                NEW.claimed_by := v_me;  -- a claim is always the caller's own
                NEW.claimed_at := now();
                NEW.post_id := NULL;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM public.accounts a WHERE a.id = NEW.account_id AND a.platform = NEW.platform)
            THEN
                RAISE EXCEPTION 'a slot is on one of the hub''s accounts, on its platform'
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'calendar_slots_account';
            END IF;
            -- one claim per slot as the calendar counts it (within 30 minutes either side, psn's
            -- SLOT_TOLERANCE) on an account: claims of one account are made one at a time (this lock, the
            -- one psn takes first), so the check sees every claim committed before this one
            PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('psn_slot:' || NEW.account_id::text, 0));
            IF EXISTS (SELECT 1 FROM public.calendar_slots s WHERE s.account_id = NEW.account_id
                        AND s.slot_at > NEW.slot_at - interval '30 minutes'
                        AND s.slot_at < NEW.slot_at + interval '30 minutes') THEN
                RAISE EXCEPTION 'a claim on this account within 30 minutes of this slot is held already'
                    USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'calendar_slots_one_claim';
            END IF;
            RETURN NEW;
        END IF;
        IF (NEW.id, NEW.account_id, NEW.platform, NEW.slot_at, NEW.claimed_by, NEW.claimed_at, NEW.note)
           IS DISTINCT FROM (OLD.id, OLD.account_id, OLD.platform, OLD.slot_at, OLD.claimed_by, OLD.claimed_at,
                             OLD.note) THEN
            RAISE EXCEPTION 'a claim never changes: release it and claim again'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF v_owner OR NEW.post_id IS NOT DISTINCT FROM OLD.post_id THEN
            RETURN NEW;
        END IF;
        IF NEW.post_id IS NULL AND NOT EXISTS (SELECT 1 FROM public.post_targets t
                                                WHERE t.post_id = OLD.post_id AND t.status <> 'cancelled') THEN
            RETURN NEW;  -- the linked post was rejected or cancelled: the slot is free for the claimer's next
        END IF;
        -- its post was deleted (the foreign key's ON DELETE SET NULL): the claim stays, unlinked
        IF NEW.post_id IS NULL AND NOT EXISTS (SELECT 1 FROM public.posts p WHERE p.id = OLD.post_id) THEN
            RETURN NEW;
        END IF;
        IF OLD.post_id IS NOT NULL OR NEW.post_id IS NULL OR OLD.claimed_by IS DISTINCT FROM v_me
           OR NOT EXISTS (SELECT 1 FROM public.posts p JOIN public.post_targets t ON t.post_id = p.id
                           WHERE p.id = NEW.post_id AND p.author_id = v_me AND t.account_id = OLD.account_id) THEN
            RAISE EXCEPTION 'only the claimer links a slot, once, to a post they wrote on its account'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_slot_guard() FROM PUBLIC;
CREATE TRIGGER calendar_slots_guard BEFORE INSERT OR UPDATE ON calendar_slots
    FOR EACH ROW EXECUTE FUNCTION public.psn_slot_guard();

-- Who holds a claim, by name: a contributor may not read other members' rows, yet a taken slot must
-- name its holder. Only the display name of a member holding a claim, only for an active member of a
-- company hub.
CREATE FUNCTION public.psn_slot_holder(p_slot uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT m.display_name FROM public.calendar_slots s JOIN public.members m ON m.id = s.claimed_by
         WHERE s.id = p_slot AND public.psn_member_role() IS NOT NULL AND public.psn_hub_kind() = 'company'
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_slot_holder(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_slot_holder(uuid) TO psn_app;

-- Row-level security ------------------------------------------------------------------------------
-- Policies name no role (as 0013): they hold for psn_app and members' login roles alike. A personal hub
-- has no claims (it has one member): every policy needs a company hub.

ALTER TABLE calendar_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_slots FORCE ROW LEVEL SECURITY;
CREATE POLICY member_slots ON calendar_slots FOR SELECT
    USING ((SELECT psn_member_role()) IS NOT NULL AND (SELECT psn_hub_kind()) = 'company');
CREATE POLICY own_claim ON calendar_slots FOR INSERT
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND (SELECT psn_hub_kind()) = 'company'
                AND claimed_by = psn_current_member() AND post_id IS NULL);
-- An editor/admin updates others' claims only as the guard allows: clearing a rejected post's link.
CREATE POLICY claimer_links ON calendar_slots FOR UPDATE
    USING ((SELECT psn_member_role()) IS NOT NULL AND (SELECT psn_hub_kind()) = 'company'
           AND (claimed_by = psn_current_member() OR (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')))
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND (SELECT psn_hub_kind()) = 'company'
                AND (claimed_by = psn_current_member() OR (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')));
CREATE POLICY claimer_or_editor_releases ON calendar_slots FOR DELETE
    USING ((SELECT psn_hub_kind()) = 'company'
           AND (SELECT psn_member_role()) IS NOT NULL
           AND (claimed_by = psn_current_member() OR (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')));
CREATE POLICY owner_maintenance ON calendar_slots TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_slots TO psn_app;
