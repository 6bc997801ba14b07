-- 0015 approvals bound to what was reviewed; notifications between members built by the hub.
--
-- 1. A company post's content hash (psn_post_content_hash): the text and media of every part of every
--    target that approval would schedule, their accounts and platforms, and the post's time. The
--    approver's list shows it; an approval names the hash it approves and is refused when it differs.
-- 2. A contributor who changes a submitted (pending) or approved (scheduled) post's content sends it
--    back to pending_approval, and every approver is asked again (triggers on posts and post_targets).
-- 3. Notifications between members are composed here, from a fixed template per kind, the post's own
--    fields and the sender's display name, quoted (psn_notify_approval). The free-text
--    psn_notify_member / psn_notify_approvers of 0009 are dropped: no member writes another's body or action.
-- 4. Display names are unique per company hub (case-insensitive, NFKC, spaces collapsed), free of
--    control characters; existing duplicates get a " (2)" suffix, the earliest member keeping the name.
--
-- Who calls is known only through public.psn_current_member() and public.psn_member_role(). Every
-- function here is schema-qualified with a fixed search_path (pg_temp last), so a session's temporary
-- tables cannot stand in for hub tables.

-- 1. The content hash -------------------------------------------------------------------------------

-- Runs with the caller's rights (RLS applies): an approver hashes what they can see, which is the
-- whole post. jsonb's text form is canonical (keys sorted, whitespace fixed), so equal content gives
-- equal hashes. Media are in each part's rendering by their content-addressed name, kind, type and size.
CREATE FUNCTION public.psn_post_content_hash(p_post uuid) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT encode(sha256(convert_to(jsonb_build_object(
                   'v', 1,
                   'scheduled_at', to_char(p.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   'ttl_seconds', p.ttl_seconds,
                   'owner', p.member_id,
                   'targets', coalesce((
                       SELECT jsonb_agg(jsonb_build_object(
                                  'account', t.account_id,
                                  'platform', t.platform,
                                  'due_at', to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                  'rendering', t.rendering) ORDER BY t.account_id, t.platform, t.id)
                         FROM public.post_targets t
                        WHERE t.post_id = p.id AND t.status IN ('draft', 'pending_approval', 'scheduled')),
                       '[]'::jsonb))::text, 'UTF8')), 'hex')
          FROM public.posts p WHERE p.id = p_post
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_post_content_hash(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_post_content_hash(uuid) TO psn_app;

-- 3. Notifications composed by the hub (defined before the triggers that use them) ------------------

-- Member-supplied text inside a hub-written message: a JSON string (quoted, control characters
-- escaped, at most 80 characters), so it reads as data and never as part of the sentence.
CREATE FUNCTION public.psn_quoted(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT to_jsonb(left(coalesce(p_text, ''), 80))::text $$;
GRANT EXECUTE ON FUNCTION public.psn_quoted(text) TO psn_app;

-- An instant in a member's zone, zone named ('2026-11-30 09:00 (Europe/Madrid)'); UTC if the zone is unknown.
CREATE FUNCTION public.psn_local_time(p_at timestamptz, p_zone text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF p_at IS NULL THEN
            RETURN 'at no time set';
        END IF;
        RETURN to_char(p_at AT TIME ZONE p_zone, 'YYYY-MM-DD HH24:MI') || ' (' || p_zone || ')';
    EXCEPTION WHEN invalid_parameter_value THEN
        RETURN to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' (UTC)';
    END
    $$;
GRANT EXECUTE ON FUNCTION public.psn_local_time(timestamptz, text) TO psn_app;

-- Tell the members concerned about a step of a company post's approval. The caller names only the post
-- and the kind; the hub checks that the post is in the state the kind announces and that the caller
-- is who takes that step, then writes the body and action from its own template. Returns how many
-- members were told. Kinds:
--   approval_requested  the author submitted it (pending):            every other active approver
--   approval_changed    the author changed it after submitting it:    every other active approver,
--                       stored as a fresh approval_requested (earlier requests are settled);
--                       sent by the triggers below only
--   approval_approved   an approver approved it (scheduled):           its author
--   approval_rejected   an approver rejected it (cancelled):           its author, with the reason quoted
--   approval_expired    nobody approved it in time (expired):          its author
CREATE FUNCTION public.psn_notify_approval(p_post uuid, p_kind text) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_me       uuid := public.psn_current_member();
        v_role     text := public.psn_member_role();
        v_actor    text;
        v_post     public.posts%ROWTYPE;
        v_short    text := left(p_post::text, 8);
        v_key      text;
        v_stored   text := p_kind;
        v_reason   text;
        v_member   record;
        v_body     text;
        v_action   text;
        v_sent     integer := 0;
    BEGIN
        IF (SELECT h.kind FROM public.hub_info h) IS DISTINCT FROM 'company' OR v_role IS NULL THEN
            RETURN 0;
        END IF;
        SELECT * INTO v_post FROM public.posts p WHERE p.id = p_post;
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
        SELECT m.display_name INTO v_actor FROM public.members m WHERE m.id = v_me;

        IF p_kind IN ('approval_requested', 'approval_changed') THEN
            -- (a change is announced only by the hub's own triggers, never on request)
            IF v_post.author_id IS DISTINCT FROM v_me
               OR (p_kind = 'approval_changed' AND pg_trigger_depth() = 0)
               OR NOT EXISTS (SELECT 1 FROM public.post_targets t
                               WHERE t.post_id = p_post AND t.status = 'pending_approval') THEN
                RETURN 0;
            END IF;
            v_stored := 'approval_requested';
            v_key := 'approval:' || p_post::text || ':requested';
            IF p_kind = 'approval_changed' THEN
                -- what approvers were asked before this transaction is out of date: settle it
                UPDATE public.notifications n SET acknowledged_at = now()
                 WHERE n.dedup_key = v_key AND n.kind = 'approval_requested' AND n.acknowledged_at IS NULL
                   AND n.created_at < now();
            END IF;
            FOR v_member IN
                SELECT m.id, m.timezone FROM public.members m
                 WHERE m.role IN ('owner', 'admin', 'editor') AND m.removed_at IS NULL AND m.id IS DISTINCT FROM v_me
            LOOP
                IF p_kind = 'approval_changed' THEN
                    v_body := format('Member %s changed company post %s after submitting it; it waits for approval '
                                     'again, due %s.', public.psn_quoted(v_actor), v_short,
                                     public.psn_local_time(v_post.scheduled_at, v_member.timezone));
                    v_action := format('Run `psn approve` to review post %s again; an approval of what you saw '
                                       'before is refused.', v_short);
                ELSE
                    v_body := format('Member %s submitted company post %s for approval, due %s.',
                                     public.psn_quoted(v_actor), v_short,
                                     public.psn_local_time(v_post.scheduled_at, v_member.timezone));
                    v_action := format('Run `psn approve` to review post %s.', v_short);
                END IF;
                IF NOT EXISTS (SELECT 1 FROM public.notifications n
                                WHERE n.member_id = v_member.id AND n.dedup_key = v_key
                                  AND n.acknowledged_at IS NULL) THEN
                    INSERT INTO public.notifications (member_id, tier, kind, dedup_key, body, action, state,
                                                      created_at, last_seen_at)
                    VALUES (v_member.id, 'critical', v_stored, v_key, v_body, v_action, 'queued', now(), now());
                    v_sent := v_sent + 1;
                END IF;
            END LOOP;
            RETURN v_sent;
        END IF;

        IF p_kind = 'approval_approved' THEN
            IF v_role NOT IN ('owner', 'admin', 'editor')
               OR EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'pending_approval')
               OR NOT EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'scheduled') THEN
                RETURN 0;
            END IF;
        ELSIF p_kind = 'approval_rejected' THEN
            SELECT e.reason INTO v_reason FROM public.approval_events e
             WHERE e.post_id = p_post AND e.event = 'rejected' AND e.actor_id = v_me
             ORDER BY e.created_at DESC LIMIT 1;
            IF v_role NOT IN ('owner', 'admin', 'editor') OR NOT FOUND
               OR NOT EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'cancelled'
                                 AND t.error_class = 'Rejected') THEN
                RETURN 0;
            END IF;
        ELSIF p_kind = 'approval_expired' THEN
            IF EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'pending_approval')
               OR NOT EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'expired'
                                 AND t.error_class = 'NotApproved') THEN
                RETURN 0;
            END IF;
        ELSE
            RAISE EXCEPTION 'unknown approval notification kind' USING ERRCODE = 'invalid_parameter_value';
        END IF;

        -- a decision: the author is told (when still an active member)
        SELECT m.id, m.timezone INTO v_member FROM public.members m
         WHERE m.id = v_post.author_id AND m.removed_at IS NULL;
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
        v_key := 'approval:' || p_post::text || ':' || substr(p_kind, 10);
        IF p_kind = 'approval_approved' THEN
            v_body := format('Your company post %s was approved by %s.', v_short, public.psn_quoted(v_actor));
            v_action := format('It goes out %s.', public.psn_local_time(
                (SELECT min(t.due_at) FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'scheduled'),
                v_member.timezone));
        ELSIF p_kind = 'approval_rejected' THEN
            v_body := format('%s rejected your company post %s. Their reason, quoted: %s', public.psn_quoted(v_actor),
                             v_short, to_jsonb(left(v_reason, 1000))::text);
            v_action := 'Edit the post and submit it again.';
        ELSE
            v_body := format('Your company post %s was not approved before its time, so it was not published.', v_short);
            v_action := 'Submit it again with a new time, or ask an editor to review sooner.';
        END IF;
        IF EXISTS (SELECT 1 FROM public.notifications n
                    WHERE n.member_id = v_member.id AND n.dedup_key = v_key AND n.acknowledged_at IS NULL) THEN
            RETURN 0;
        END IF;
        INSERT INTO public.notifications (member_id, tier, kind, dedup_key, body, action, state, created_at, last_seen_at)
        VALUES (v_member.id, 'critical', p_kind, v_key, left(v_body, 2000), left(v_action, 500), 'queued', now(), now());
        RETURN 1;
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_notify_approval(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_notify_approval(uuid, text) TO psn_app;

-- Free-text notifications between members are gone.
DROP FUNCTION public.psn_notify_approvers(text, text, text, text);
DROP FUNCTION public.psn_notify_member(uuid, text, text, text, text);

-- 2. A contributor's change after submission sends the post back for review --------------------------

-- Targets: changing what a pending or scheduled target publishes (or adding a target to a submitted
-- post) makes the whole post pending again, and approvers are asked again. Approvers' own changes
-- (approving, rescheduling) and the publisher's bookkeeping do not count: only contributors are held.
-- The row trigger sets the changed row pending; the statement triggers then hold the post's other
-- targets and ask the approvers (once per post and statement, after every row is written).
CREATE FUNCTION public.psn_target_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF public.psn_member_role() IS DISTINCT FROM 'contributor' THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF OLD.status NOT IN ('pending_approval', 'scheduled')
               OR (NEW.rendering IS NOT DISTINCT FROM OLD.rendering AND NEW.account_id IS NOT DISTINCT FROM OLD.account_id
                   AND NEW.platform IS NOT DISTINCT FROM OLD.platform AND NEW.due_at IS NOT DISTINCT FROM OLD.due_at
                   AND NEW.member_id IS NOT DISTINCT FROM OLD.member_id AND NEW.post_id IS NOT DISTINCT FROM OLD.post_id) THEN
                RETURN NEW;
            END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM public.post_targets t
                           WHERE t.post_id = NEW.post_id AND t.status IN ('pending_approval', 'scheduled')) THEN
            RETURN NEW;  -- a target added to a draft
        END IF;
        NEW.status := 'pending_approval';
        NEW.run_id := NULL;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER post_targets_changed BEFORE INSERT OR UPDATE ON post_targets
    FOR EACH ROW EXECUTE FUNCTION public.psn_target_changed();

-- The post of a changed target waits for approval again, whole; its approvers are asked again.
CREATE FUNCTION public.psn_post_back_to_review(p_post uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        UPDATE public.post_targets t SET status = 'pending_approval', run_id = NULL, updated_at = now()
         WHERE t.post_id = p_post AND t.status = 'scheduled';
        PERFORM public.psn_notify_approval(p_post, 'approval_changed');
    END
    $$;
REVOKE EXECUTE ON FUNCTION public.psn_post_back_to_review(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.psn_post_back_to_review(uuid) TO psn_app;

CREATE FUNCTION public.psn_targets_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_post uuid;
    BEGIN
        IF public.psn_member_role() IS DISTINCT FROM 'contributor' THEN
            RETURN NULL;
        END IF;
        FOR v_post IN
            SELECT DISTINCT n.post_id FROM changed_rows n JOIN previous_rows o ON o.id = n.id
             WHERE n.status = 'pending_approval' AND o.status IN ('pending_approval', 'scheduled')
               AND (o.rendering IS DISTINCT FROM n.rendering OR o.account_id IS DISTINCT FROM n.account_id
                    OR o.platform IS DISTINCT FROM n.platform OR o.due_at IS DISTINCT FROM n.due_at
                    OR o.member_id IS DISTINCT FROM n.member_id OR o.post_id IS DISTINCT FROM n.post_id)
        LOOP
            PERFORM public.psn_post_back_to_review(v_post);
        END LOOP;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER post_targets_changed_review AFTER UPDATE ON post_targets
    REFERENCING OLD TABLE AS previous_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.psn_targets_changed();

CREATE FUNCTION public.psn_targets_added() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_post uuid;
    BEGIN
        IF public.psn_member_role() IS DISTINCT FROM 'contributor' THEN
            RETURN NULL;
        END IF;
        FOR v_post IN SELECT DISTINCT n.post_id FROM added_rows n WHERE n.status = 'pending_approval' LOOP
            PERFORM public.psn_post_back_to_review(v_post);
        END LOOP;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER post_targets_added_review AFTER INSERT ON post_targets
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.psn_targets_added();

-- Posts: changing the time (or the owner, or the time to live) of a submitted or approved post.
CREATE FUNCTION public.psn_post_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF public.psn_member_role() IS DISTINCT FROM 'contributor'
           OR (NEW.scheduled_at IS NOT DISTINCT FROM OLD.scheduled_at AND NEW.member_id IS NOT DISTINCT FROM OLD.member_id
               AND NEW.ttl_seconds IS NOT DISTINCT FROM OLD.ttl_seconds) THEN
            RETURN NULL;
        END IF;
        PERFORM public.psn_post_back_to_review(NEW.id);
        RETURN NULL;
    END
    $$;
CREATE TRIGGER posts_changed AFTER UPDATE ON posts
    FOR EACH ROW EXECUTE FUNCTION public.psn_post_changed();

-- 4. Display names unique per company hub ----------------------------------------------------------

-- What two names must not share: case, Unicode compatibility forms and runs of spaces do not count.
CREATE FUNCTION public.psn_name_key(p_name text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT lower(CASE WHEN current_setting('server_encoding') = 'UTF8'
                          THEN normalize(regexp_replace(btrim(p_name), '\s+', ' ', 'g'), NFKC)
                          ELSE regexp_replace(btrim(p_name), '\s+', ' ', 'g') END)
    $$;
GRANT EXECUTE ON FUNCTION public.psn_name_key(text) TO psn_app;

-- Existing duplicates: the earliest member keeps the name, later ones get " (2)", " (3)", ...
DO $$
DECLARE
    v_member record;
    v_name   text;
    v_n      integer;
BEGIN
    IF (SELECT h.kind FROM public.hub_info h) IS DISTINCT FROM 'company' THEN
        RETURN;
    END IF;
    FOR v_member IN
        SELECT m.id, m.display_name FROM public.members m
         WHERE EXISTS (SELECT 1 FROM public.members e
                        WHERE public.psn_name_key(e.display_name) = public.psn_name_key(m.display_name)
                          AND (e.created_at, e.id) < (m.created_at, m.id))
         ORDER BY m.created_at, m.id
    LOOP
        v_n := 2;
        LOOP
            v_name := left(v_member.display_name, 190) || ' (' || v_n || ')';
            EXIT WHEN NOT EXISTS (SELECT 1 FROM public.members e
                                   WHERE public.psn_name_key(e.display_name) = public.psn_name_key(v_name));
            v_n := v_n + 1;
        END LOOP;
        UPDATE public.members SET display_name = v_name, updated_at = now() WHERE id = v_member.id;
    END LOOP;
END
$$;

-- SECURITY DEFINER: a member cannot see the whole roster, yet the name must be checked against it.
-- One name change at a time (an advisory lock), so two joins cannot both take a free name.
CREATE FUNCTION public.psn_member_name_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF (SELECT h.kind FROM public.hub_info h) IS DISTINCT FROM 'company' THEN
            RETURN NEW;
        END IF;
        NEW.display_name := btrim(NEW.display_name);
        IF NEW.display_name ~ '[[:cntrl:]]' OR NEW.display_name = '' THEN
            RAISE EXCEPTION 'a display name is one line of visible text' USING ERRCODE = 'check_violation';
        END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('psn.member_name', 0));
        IF EXISTS (SELECT 1 FROM public.members m
                    WHERE m.id <> NEW.id AND public.psn_name_key(m.display_name) = public.psn_name_key(NEW.display_name)) THEN
            RAISE EXCEPTION 'the display name % is taken in this company hub', public.psn_quoted(NEW.display_name)
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'members_display_name_unique';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER members_name_guard BEFORE INSERT OR UPDATE OF display_name ON members
    FOR EACH ROW EXECUTE FUNCTION public.psn_member_name_guard();
