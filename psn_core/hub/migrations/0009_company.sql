-- 0009 company hubs: membership that can be removed, roles enforced by RLS, invite codes, approvals.
--
-- Harmless on a personal hub: hub_info has no row there (kind 'personal'), members have no key_hash,
-- and every new permissive policy is keyed on kind = 'company'. What changes everywhere is one
-- RESTRICTIVE policy per member-data table: the caller must be an active member (a removed member's
-- queries see and change nothing, at once, with no credential rotation).
--
-- Identity in a company hub: every runtime connection is psn_app, so psn.member_id alone would let
-- anyone who learns a member id act as that member. Company members therefore also carry a secret key
-- (psn.member_key, set per transaction next to psn.member_id); the hub stores only its sha256, and
-- psn_member_role() answers only when the key matches. Members without a key_hash (personal hubs)
-- need no key.

-- Which kind of hub this is. No row: a personal hub.
CREATE TABLE hub_info (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    kind            text NOT NULL CHECK (kind IN ('personal', 'company')),
    company_slug    text CHECK (company_slug ~ '^[a-z0-9][a-z0-9-]{0,40}$'),
    company_name    text CHECK (length(company_name) BETWEEN 1 AND 200),
    invite_ttl_days integer NOT NULL DEFAULT 7 CHECK (invite_ttl_days BETWEEN 1 AND 90),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'personal' OR (company_slug IS NOT NULL AND company_name IS NOT NULL))
);
ALTER TABLE hub_info ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub_info FORCE ROW LEVEL SECURITY;
CREATE POLICY hub_info_read ON hub_info FOR SELECT TO psn_app USING (true);
CREATE POLICY owner_maintenance ON hub_info TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON hub_info TO psn_app;

CREATE FUNCTION psn_hub_kind() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT kind FROM hub_info), 'personal') $$;

ALTER TABLE members
    ADD COLUMN removed_at timestamptz,
    ADD COLUMN key_hash   text CHECK (key_hash ~ '^[0-9a-f]{64}$');

-- The caller's role, or NULL when the caller is not an active member (removed, unknown, wrong key).
-- SECURITY DEFINER because policies on members itself call it: read as the owner, it cannot recurse
-- into members' own psn_app policies. It only ever reveals the caller's own role.
CREATE FUNCTION psn_member_role() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
        SELECT m.role FROM public.members m
         WHERE m.id = public.psn_current_member() AND m.removed_at IS NULL
           AND (m.key_hash IS NULL
                OR m.key_hash = encode(sha256(convert_to(
                       coalesce(current_setting('psn.member_key', true), ''), 'UTF8')), 'hex'))
    $$;
REVOKE EXECUTE ON FUNCTION psn_member_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_member_role() TO psn_app;

CREATE FUNCTION psn_member_active() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT psn_member_role() IS NOT NULL $$;
GRANT EXECUTE ON FUNCTION psn_hub_kind(), psn_member_active() TO psn_app;

-- Role, removal and id changes need an admin; a key changes only by its own member.
CREATE FUNCTION psn_members_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
    AS $$
    BEGIN
        IF current_user = 'psn_app' THEN
            IF NEW.id <> OLD.id THEN
                RAISE EXCEPTION 'a member id never changes' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF (NEW.role IS DISTINCT FROM OLD.role OR NEW.removed_at IS DISTINCT FROM OLD.removed_at)
               AND coalesce(psn_member_role(), '') NOT IN ('owner', 'admin') THEN
                RAISE EXCEPTION 'only an admin changes roles or removes members'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.key_hash IS DISTINCT FROM OLD.key_hash AND OLD.id IS DISTINCT FROM psn_current_member() THEN
                RAISE EXCEPTION 'only a member changes their own key' USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER members_guard BEFORE UPDATE ON members FOR EACH ROW EXECUTE FUNCTION psn_members_guard();

-- Posts: who wrote it (the post's member_id stays the account owner, whose tokens publish it).
ALTER TABLE posts ADD COLUMN author_id uuid DEFAULT psn_current_member() REFERENCES members (id) ON DELETE SET NULL;
UPDATE posts SET author_id = member_id WHERE author_id IS NULL;
CREATE INDEX posts_author_idx ON posts (author_id);

ALTER TABLE post_targets DROP CONSTRAINT post_targets_status_check;
ALTER TABLE post_targets ADD CONSTRAINT post_targets_status_check CHECK (status IN (
    'draft', 'pending_approval', 'scheduled', 'publishing', 'published', 'failed', 'expired',
    'needs_attention', 'cancelled'));

-- Invite codes: only the sha256 of the code is stored; single use; revocable; expiring.
CREATE TABLE invites (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code_hash  text NOT NULL UNIQUE CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    role       text NOT NULL DEFAULT 'contributor' CHECK (role IN ('editor', 'contributor')),
    note       text CHECK (length(note) <= 200),
    created_by uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    uuid REFERENCES members (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    revoked_at timestamptz,
    CHECK (used_by IS NULL OR used_at IS NOT NULL)
);

-- Failed redemptions, for the rate limit (kept per client address as the server sees it).
CREATE TABLE invite_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    ok           boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invite_attempts_source_idx ON invite_attempts (source, attempted_at);

-- Submissions and decisions on company posts (the audit trail of the approval workflow).
CREATE TABLE approval_events (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id   uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id),
    event      text NOT NULL CHECK (event IN ('submitted', 'approved', 'rejected', 'expired')),
    reason     text CHECK (length(reason) <= 1000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_events_post_idx ON approval_events (post_id, created_at);

-- The company's brand voice and guardrails (a voice profile in YAML), synced to members' local files.
CREATE TABLE company_brand (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    profile_yaml text NOT NULL CHECK (length(profile_yaml) BETWEEN 1 AND 200000),
    updated_by   uuid DEFAULT psn_current_member() REFERENCES members (id) ON DELETE SET NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Row-level security of the new tables -----------------------------------------------------------

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
CREATE POLICY admin_rows ON invites TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));
CREATE POLICY owner_maintenance ON invites TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE invite_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE invite_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY admin_read ON invite_attempts FOR SELECT TO psn_app
    USING ((SELECT psn_member_role()) IN ('owner', 'admin'));
CREATE POLICY owner_maintenance ON invite_attempts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE approval_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE approval_events FORCE ROW LEVEL SECURITY;
CREATE POLICY approver_rows ON approval_events TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')
                AND actor_id = psn_current_member());
CREATE POLICY author_read ON approval_events FOR SELECT TO psn_app
    USING (EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()));
CREATE POLICY author_submit ON approval_events FOR INSERT TO psn_app
    WITH CHECK (event IN ('submitted', 'expired') AND actor_id = psn_current_member()
                AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()));
CREATE POLICY owner_maintenance ON approval_events TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE company_brand ENABLE ROW LEVEL SECURITY;
ALTER TABLE company_brand FORCE ROW LEVEL SECURITY;
CREATE POLICY member_read ON company_brand FOR SELECT TO psn_app USING (psn_hub_kind() = 'company');
CREATE POLICY admin_write ON company_brand TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));
CREATE POLICY owner_maintenance ON company_brand TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON invites, approval_events, company_brand TO psn_app;
GRANT SELECT ON invite_attempts TO psn_app;

-- Company policies on existing tables (added beside the 0001-0008 policies, which stay as they are) ---

-- Admins and editors see the roster; only admins change it (the trigger above checks which columns).
CREATE POLICY company_roster ON members FOR SELECT TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));
CREATE POLICY company_admin ON members FOR UPDATE TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));
-- Nobody joins a company hub by inserting their own row: only through an invite (psn_redeem_invite).
CREATE POLICY company_no_self_join ON members AS RESTRICTIVE FOR INSERT TO psn_app
    WITH CHECK (psn_hub_kind() <> 'company');
-- (the second branch: a personal hub's new member row, which INSERT ... ON CONFLICT must be able to see)
CREATE POLICY active_member ON members AS RESTRICTIVE FOR SELECT TO psn_app
    USING ((SELECT psn_member_active())
           OR (id = psn_current_member() AND removed_at IS NULL AND key_hash IS NULL));
CREATE POLICY active_member_update ON members AS RESTRICTIVE FOR UPDATE TO psn_app
    USING ((SELECT psn_member_active())) WITH CHECK ((SELECT psn_member_active()));
CREATE POLICY active_member_delete ON members AS RESTRICTIVE FOR DELETE TO psn_app USING ((SELECT psn_member_active()));

-- Company accounts: every active member may see them (not their tokens); only admins connect them.
CREATE POLICY company_accounts ON accounts FOR SELECT TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_active()));
CREATE POLICY company_accounts_admin ON accounts AS RESTRICTIVE FOR INSERT TO psn_app
    WITH CHECK (psn_hub_kind() <> 'company' OR (SELECT psn_member_role()) IN ('owner', 'admin'));

-- Authors see and edit their own posts; they can never schedule one (only draft, submit, withdraw).
CREATE POLICY authored_rows ON posts TO psn_app
    USING (psn_hub_kind() = 'company' AND author_id = psn_current_member())
    WITH CHECK (psn_hub_kind() = 'company' AND author_id = psn_current_member());
CREATE POLICY approver_rows ON posts TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));
CREATE POLICY authored_rows ON post_targets TO psn_app
    USING (psn_hub_kind() = 'company' AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()))
    WITH CHECK (psn_hub_kind() = 'company' AND status IN ('draft', 'pending_approval', 'cancelled', 'expired')
                AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()));
CREATE POLICY approver_rows ON post_targets TO psn_app
    USING (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK (psn_hub_kind() = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));

-- Every other member-data table: the caller must be an active member, whatever else allows the row.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity
           AND c.relname NOT IN ('members', 'hub_info')
         ORDER BY c.relname
    LOOP
        EXECUTE format(
            'CREATE POLICY active_member ON %I AS RESTRICTIVE FOR ALL TO psn_app'
            ' USING ((SELECT psn_member_active())) WITH CHECK ((SELECT psn_member_active()))', t);
    END LOOP;
END
$$;

-- Joining: the only way into a company hub. Runs as the owner because the redeemer has no member row
-- yet. Atomic (one UPDATE claims the code: of two concurrent redeemers exactly one gets it), rate
-- limited (failed attempts per client address and overall), and the code itself is never stored.
CREATE FUNCTION psn_redeem_invite(p_code text, p_key_hash text, p_name text, p_timezone text)
    RETURNS TABLE (outcome text, new_member uuid, new_role text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    #variable_conflict use_column
    DECLARE
        v_source text := coalesce(host(inet_client_addr()), 'local');
        v_hash   text := encode(sha256(convert_to(
                     upper(regexp_replace(coalesce(p_code, ''), '[^A-Za-z0-9]', '', 'g')), 'UTF8')), 'hex');
        v_id     uuid := gen_random_uuid();
        v_invite public.invites%ROWTYPE;
    BEGIN
        IF (SELECT kind FROM public.hub_info) IS DISTINCT FROM 'company' THEN
            RETURN QUERY SELECT 'not_company'::text, NULL::uuid, NULL::text;
            RETURN;
        END IF;
        IF coalesce(p_key_hash, '') !~ '^[0-9a-f]{64}$' OR length(coalesce(p_name, '')) NOT BETWEEN 1 AND 200 THEN
            RAISE EXCEPTION 'invalid redemption arguments' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- one redemption per source at a time, so the limit below cannot be raced
        PERFORM pg_advisory_xact_lock(hashtextextended('psn.invite:' || v_source, 0));
        IF (SELECT count(*) FROM public.invite_attempts a
             WHERE a.source = v_source AND NOT a.ok AND a.attempted_at > now() - interval '15 minutes') >= 10
           OR (SELECT count(*) FROM public.invite_attempts a
                WHERE NOT a.ok AND a.attempted_at > now() - interval '15 minutes') >= 100 THEN
            RETURN QUERY SELECT 'rate_limited'::text, NULL::uuid, NULL::text;
            RETURN;
        END IF;
        UPDATE public.invites i SET used_at = now(), used_by = v_id
         WHERE i.code_hash = v_hash AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
        RETURNING i.* INTO v_invite;
        IF NOT FOUND THEN
            INSERT INTO public.invite_attempts (source, ok) VALUES (v_source, false);
            SELECT i.* INTO v_invite FROM public.invites i WHERE i.code_hash = v_hash;
            RETURN QUERY SELECT CASE
                WHEN v_invite.id IS NULL THEN 'invalid'
                WHEN v_invite.revoked_at IS NOT NULL THEN 'revoked'
                WHEN v_invite.used_at IS NOT NULL THEN 'used'
                ELSE 'expired' END::text, NULL::uuid, NULL::text;
            RETURN;
        END IF;
        INSERT INTO public.members (id, display_name, timezone, role, key_hash)
        VALUES (v_id, p_name, coalesce(nullif(p_timezone, ''), 'UTC'), v_invite.role, p_key_hash);
        INSERT INTO public.invite_attempts (source, ok) VALUES (v_source, true);
        RETURN QUERY SELECT 'ok'::text, v_id, v_invite.role;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_redeem_invite(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_redeem_invite(text, text, text, text) TO psn_app;

-- Telling another member (approvers of a submission, the author of a decision): the sender cannot see
-- the recipient's notifications, so this stores the row as the owner. Limited to approval kinds, to
-- active members of a company hub, and to active senders.
CREATE FUNCTION psn_notify_member(p_recipient uuid, p_kind text, p_body text, p_action text, p_dedup text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    BEGIN
        IF psn_hub_kind() <> 'company' OR psn_member_role() IS NULL
           OR p_kind NOT IN ('approval_requested', 'approval_approved', 'approval_rejected', 'approval_expired')
           OR NOT EXISTS (SELECT 1 FROM public.members m WHERE m.id = p_recipient AND m.removed_at IS NULL) THEN
            RETURN false;
        END IF;
        IF EXISTS (SELECT 1 FROM public.notifications n
                    WHERE n.member_id = p_recipient AND n.dedup_key = p_dedup AND n.acknowledged_at IS NULL) THEN
            RETURN false;
        END IF;
        INSERT INTO public.notifications (member_id, tier, kind, dedup_key, body, action, state, created_at,
                                          last_seen_at)
        VALUES (p_recipient, 'critical', p_kind, p_dedup, p_body, p_action, 'queued', now(), now());
        RETURN true;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_notify_member(uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_notify_member(uuid, text, text, text, text) TO psn_app;

-- A submission tells every active approver (admins and editors), whom the author cannot list.
CREATE FUNCTION psn_notify_approvers(p_kind text, p_body text, p_action text, p_dedup text)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    DECLARE
        v_member uuid;
        v_sent   integer := 0;
    BEGIN
        FOR v_member IN
            SELECT m.id FROM public.members m
             WHERE m.role IN ('owner', 'admin', 'editor') AND m.removed_at IS NULL
               AND m.id IS DISTINCT FROM psn_current_member()
        LOOP
            IF psn_notify_member(v_member, p_kind, p_body, p_action, p_dedup) THEN
                v_sent := v_sent + 1;
            END IF;
        END LOOP;
        RETURN v_sent;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_notify_approvers(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_notify_approvers(text, text, text, text) TO psn_app;
