-- 0013 queues per member and publish leases no other member can hold (issue 15, items 2 and 3).
--
-- Queues. huey's tables (0006) had no RLS: every member, removed ones too, could read every queued
-- target and member id, put tasks in another member's queue and delete their entries. Now a queue's
-- rows are readable and writable only by its owner: `psn-<member id>` by that member (a company hub has
-- one such queue per member), and a personal hub's one queue `psn` by its (active) member; a company
-- hub has no `psn` queue. Nobody writes into another member's queue any more: an editor's approval
-- leaves the target scheduled with no queue entry (run_id NULL), and the account owner's worker queues it
-- itself (its watchdog, every minute). The worker's huey connections say which member they act for.
--
-- Leases. The publish lease was a session advisory lock on a key every member could compute, so any
-- member could hold a target's lease and block its publish forever. It is now a row lock (FOR UPDATE
-- NOWAIT, held by the publisher's own connection in an open transaction: released when that session
-- ends, also when the process is killed) on the target's row in publish_leases, which only the member
-- whose tokens publish the target (post_targets.member_id, the account owner) can see, insert or lock.
-- Nothing references publish_leases, so no foreign key check can lock its rows either.
--
-- Policies name no role (TO PUBLIC) and key only on psn_current_member() / psn_member_role(), so they
-- hold whether members connect as psn_app with a member key or as login roles of their own; the owner
-- keeps its maintenance policy.

-- The queues the caller may read and write (none when the caller is not an active member). Policies
-- wrap it in a scalar subquery, so it runs once per query and `queue = ANY (...)` still uses the
-- (queue, ...) indexes.
CREATE FUNCTION public.psn_queue_names() RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public
    AS $$
        SELECT CASE
            WHEN public.psn_member_role() IS NULL THEN '{}'::text[]
            WHEN public.psn_hub_kind() IS DISTINCT FROM 'company'
                THEN ARRAY['psn', 'psn-' || public.psn_current_member()::text]
            ELSE ARRAY['psn-' || public.psn_current_member()::text]
        END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_queue_names() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_queue_names() TO psn_app;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['huey_kv', 'huey_schedule', 'huey_task', 'huey_counter'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY own_queue ON public.%I'
            ' USING (queue = ANY ((SELECT public.psn_queue_names())::text[]))'
            ' WITH CHECK (queue = ANY ((SELECT public.psn_queue_names())::text[]))', t);
        EXECUTE format('CREATE POLICY owner_maintenance ON public.%I TO CURRENT_USER USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- One row per target ever leased (inserted by its owner's publisher on first use); the lock on it is the
-- lease. member_id is the target's member: the account owner, whose worker alone publishes it.
CREATE TABLE publish_leases (
    target_id  uuid PRIMARY KEY,
    member_id  uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE publish_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE publish_leases FORCE ROW LEVEL SECURITY;
-- Seeing a row is needed to lock it (FOR UPDATE checks the SELECT and UPDATE policies): only the owner
-- sees theirs. A new row must be for one of the caller's own targets, so nobody can squat a target's
-- lease row under their own member id (the owner's insert would then find it taken and invisible).
CREATE POLICY owner_rows ON publish_leases
    USING (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM public.post_targets t
                             WHERE t.id = target_id AND t.member_id = public.psn_current_member()));
CREATE POLICY owner_maintenance ON publish_leases TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON publish_leases TO psn_app;

-- A due post its owner's worker cannot take (its lease or its row held by another session past the
-- watchdog's grace period): its owner (the caller) and its author are told, once each, critically. The
-- hub writes the sentence from the target alone, so the caller chooses nothing but which of their own
-- scheduled targets it is about. SECURITY DEFINER because the author's notifications are not the
-- caller's rows.
CREATE FUNCTION public.psn_notify_publish_blocked(p_target uuid)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    DECLARE
        v_owner  uuid := public.psn_current_member();
        v_key    text := 'target:' || p_target::text || ':blocked';
        v_target record;
        v_member record;
        v_zone   text;
        v_sent   integer := 0;
    BEGIN
        IF v_owner IS NULL OR public.psn_member_role() IS NULL THEN
            RETURN 0;
        END IF;
        SELECT t.platform, t.due_at, a.handle, p.author_id INTO v_target
          FROM public.post_targets t
          JOIN public.posts p ON p.id = t.post_id
          JOIN public.accounts a ON a.id = t.account_id
         WHERE t.id = p_target AND t.member_id = v_owner AND t.status = 'scheduled';
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
        FOR v_member IN
            SELECT m.id, m.timezone FROM public.members m
             WHERE m.id IN (v_owner, v_target.author_id) AND m.removed_at IS NULL
        LOOP
            CONTINUE WHEN EXISTS (SELECT 1 FROM public.notifications n
                                   WHERE n.member_id = v_member.id AND n.dedup_key = v_key);
            v_zone := CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = v_member.timezone)
                           THEN v_member.timezone ELSE 'UTC' END;
            INSERT INTO public.notifications (member_id, tier, kind, dedup_key, body, action, state, created_at,
                                              last_seen_at)
            VALUES (v_member.id, 'critical', 'post_blocked', v_key,
                    format('The %s post for @%s due %s (%s) has not gone out: another session connected to the '
                           'hub is holding it.',
                           CASE v_target.platform WHEN 'x' THEN 'X' WHEN 'linkedin' THEN 'LinkedIn'
                                WHEN 'instagram' THEN 'Instagram' WHEN 'tiktok' THEN 'TikTok' ELSE 'social' END,
                           left(v_target.handle, 100),
                           to_char(v_target.due_at AT TIME ZONE v_zone, 'YYYY-MM-DD HH24:MI'), v_zone),
                    'psn keeps trying every minute and publishes it as soon as the hold ends (past its window '
                    'it expires and you are told). If it stays blocked, ask the hub''s admin to end the '
                    'sessions of members who should not be connected.',
                    'queued', now(), now());
            v_sent := v_sent + 1;
        END LOOP;
        RETURN v_sent;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_notify_publish_blocked(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_notify_publish_blocked(uuid) TO psn_app;
