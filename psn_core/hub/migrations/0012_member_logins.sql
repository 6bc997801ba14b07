-- 0012 identity proven by Postgres (issue 15, C1, C2, L1).
--
-- Before: every runtime connection was psn_app, one role for the whole server, and a company member
-- was whoever set psn.member_id (+ psn.member_key). Now, in a company hub:
--
-- * each member connects as a login role of their own, <prefix>_<member id hex>, whose password only
--   their workspace holds (the hub receives a SCRAM verifier, never the password). It may CONNECT to
--   this database only, and is a member of the NOLOGIN group <prefix>_members, which holds the
--   table privileges and is named in every runtime policy (kept in step with psn_app's by
--   psn_sync_member_grants(), which psn runs after every migration of a company hub);
-- * psn_current_member() maps session_user to the member (the role name carries its id; member_logins
--   records which roles are members'): Postgres authenticated it, no client-written setting counts.
--   psn_app keeps the setting (personal hubs, and company members who have not moved over yet: those
--   still need their key, and lose it when they move);
-- * every invite is a login role of its own, <prefix>_i<invite id hex>, whose password is the code,
--   valid until the invite expires, member of <prefix>_joiners only: it may call psn_join and
--   nothing else, for its own invite only. psn_join commits the request before judging it, so a
--   rollback cannot erase a wrong guess, and counts per invite role (never per socket).
--
-- Everywhere (personal hubs too): PUBLIC loses CONNECT and TEMP on the database and CREATE on schema
-- public; functions are schema-qualified with a fixed search_path (pg_temp last) or have a SQL-standard
-- body (bound at creation), so a temp table can never shadow hub_info or members again.

DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

ALTER TABLE hub_info ADD COLUMN role_prefix text UNIQUE CHECK (role_prefix ~ '^psn_[0-9a-f]{8}$');
ALTER TABLE invites ADD COLUMN role_name name UNIQUE;

-- Which login role is which member (one role per member, one member per role).
CREATE TABLE member_logins (
    role_name  name PRIMARY KEY,
    member_id  uuid NOT NULL UNIQUE REFERENCES members (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE member_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_logins FORCE ROW LEVEL SECURITY;
CREATE POLICY own_login ON member_logins FOR SELECT TO psn_app USING (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON member_logins TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON member_logins TO psn_app;

-- Join requests: recorded and committed before they are judged (psn_join).
CREATE TABLE join_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    caller       name NOT NULL DEFAULT session_user,
    asked_in     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    code_hash    text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
    verifier     text,
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    timezone     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    outcome      text,
    new_member   uuid,
    judged_at    timestamptz
);
CREATE INDEX join_requests_caller_idx ON join_requests (caller, created_at);
ALTER TABLE join_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE join_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY admin_read ON join_requests FOR SELECT TO psn_app
    USING ((SELECT psn_member_role()) IN ('owner', 'admin'));
CREATE POLICY owner_maintenance ON join_requests TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT ON join_requests TO psn_app;

-- Identity -----------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION public.psn_hub_kind() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT coalesce((SELECT h.kind FROM public.hub_info h), 'personal') $$;

-- psn_app (personal hubs; company members not moved over yet) and the database's owner act through the
-- setting; a member's login role is the member whose id its name carries (psn_create_login names it, and
-- only the owner can grant it CONNECT here); anyone else is nobody. A SQL-standard body: bound when it
-- is created (no search_path, no temp table can change what it reads) and still inlined into policies,
-- so a personal hub's scans cost what they did.
CREATE OR REPLACE FUNCTION public.psn_current_member() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
        WHEN session_user = 'psn_app' THEN nullif(current_setting('psn.member_id', true), '')::uuid
        WHEN session_user ~ '^psn_[0-9a-f]{8}_[0-9a-f]{32}$' THEN right(session_user, 32)::uuid
        WHEN pg_has_role(session_user, 'pg_database_owner', 'MEMBER')
            THEN nullif(current_setting('psn.member_id', true), '')::uuid
    END;
END;

-- A login role is authenticated by Postgres. psn_app in a company hub still needs the member's key,
-- and a member who moved to a login role has no key any more: psn_app cannot act as them.
CREATE OR REPLACE FUNCTION public.psn_member_role() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
        SELECT m.role FROM public.members m
         WHERE m.id = public.psn_current_member() AND m.removed_at IS NULL
           AND CASE
                   WHEN session_user <> 'psn_app' THEN true
                   WHEN public.psn_hub_kind() = 'company' THEN
                       m.key_hash IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM public.member_logins l WHERE l.member_id = m.id)
                       AND m.key_hash = encode(sha256(convert_to(
                               coalesce(current_setting('psn.member_key', true), ''), 'UTF8')), 'hex')
                   ELSE m.key_hash IS NULL
                        OR m.key_hash = encode(sha256(convert_to(
                               coalesce(current_setting('psn.member_key', true), ''), 'UTF8')), 'hex')
               END
    $$;

CREATE OR REPLACE FUNCTION public.psn_member_active() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT public.psn_member_role() IS NOT NULL $$;

-- The guard applies to every caller but the owner (psn_app and login roles alike).
CREATE OR REPLACE FUNCTION public.psn_members_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF NOT pg_catalog.pg_has_role(current_user,
               (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = 'public.members'::regclass), 'USAGE') THEN
            IF NEW.id <> OLD.id THEN
                RAISE EXCEPTION 'a member id never changes' USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF (NEW.role IS DISTINCT FROM OLD.role OR NEW.removed_at IS DISTINCT FROM OLD.removed_at)
               AND coalesce(public.psn_member_role(), '') NOT IN ('owner', 'admin') THEN
                RAISE EXCEPTION 'only an admin changes roles or removes members'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.key_hash IS DISTINCT FROM OLD.key_hash
               AND (OLD.id IS DISTINCT FROM public.psn_current_member() OR NEW.key_hash IS NOT NULL) THEN
                RAISE EXCEPTION 'a member key only ever goes away' USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
        RETURN NEW;
    END
    $$;

-- Every existing function: a fixed search_path with pg_temp last (bodies untouched).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' AND p.prosqlbody IS NULL
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
    END LOOP;
END
$$;

-- A member's own row without a key is a personal hub's convenience (INSERT ... ON CONFLICT); in a company
-- hub a keyless member is one who moved to a login role, whom psn_app must not see.
ALTER POLICY active_member ON members
    USING ((SELECT psn_member_active())
           OR ((SELECT psn_hub_kind()) <> 'company' AND id = psn_current_member() AND removed_at IS NULL
               AND key_hash IS NULL));

-- Joining the old way (as psn_app, with a code) is over: invites are login roles now.
REVOKE EXECUTE ON FUNCTION psn_redeem_invite(text, text, text, text) FROM psn_app;

-- Roles of a company hub ----------------------------------------------------------------------------

CREATE FUNCTION public.psn_role_prefix() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$ SELECT h.role_prefix FROM public.hub_info h WHERE h.kind = 'company' $$;

-- The group's privileges and policies follow psn_app's: run after every migration of a company hub.
CREATE FUNCTION public.psn_sync_member_grants() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_group text := public.psn_role_prefix() || '_members';
        v_app   oid := (SELECT r.oid FROM pg_roles r WHERE r.rolname = 'psn_app');
        v_gid   oid;
        r       record;
        p       text;
    BEGIN
        IF v_group IS NULL THEN
            RETURN;
        END IF;
        SELECT rr.oid INTO v_gid FROM pg_roles rr WHERE rr.rolname = v_group;
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', v_group);
        FOR r IN
            SELECT pol.polname, c.relname, pol.polroles FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
             WHERE c.relnamespace = 'public'::regnamespace AND v_app = ANY (pol.polroles)
               AND NOT v_gid = ANY (pol.polroles)
        LOOP
            EXECUTE format('ALTER POLICY %I ON public.%I TO %s', r.polname, r.relname,
                           (SELECT string_agg(quote_ident(x.rolname), ', ') FROM pg_roles x
                             WHERE x.oid = ANY (r.polroles || v_gid)));
        END LOOP;
        FOR r IN
            SELECT c.relname, c.relkind FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
        LOOP
            FOREACH p IN ARRAY CASE WHEN r.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
                                    ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] END
            LOOP
                IF EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                            WHERE c.oid = format('public.%I', r.relname)::regclass
                              AND a.grantee = v_app AND a.privilege_type = p) THEN
                    EXECUTE format('GRANT %s ON %s public.%I TO %I', p,
                                   CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname, v_group);
                END IF;
            END LOOP;
        END LOOP;
        FOR r IN
            SELECT p2.oid::regprocedure AS f FROM pg_proc p2, aclexplode(p2.proacl) a
             WHERE p2.pronamespace = 'public'::regnamespace AND a.grantee = v_app AND a.privilege_type = 'EXECUTE'
        LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', r.f, v_group);
        END LOOP;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_sync_member_grants() FROM PUBLIC;

-- Make this hub's group roles (owner only; the owner needs CREATEROLE).
CREATE FUNCTION public.psn_company_roles() RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_prefix text := (SELECT h.role_prefix FROM public.hub_info h WHERE h.kind = 'company');
        v_role   text;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM public.hub_info h WHERE h.kind = 'company') THEN
            RAISE EXCEPTION 'not a company hub' USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF v_prefix IS NULL THEN
            LOOP
                v_prefix := 'psn_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 8);
                EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname LIKE v_prefix || '\_%');
            END LOOP;
            UPDATE public.hub_info SET role_prefix = v_prefix;
        END IF;
        FOREACH v_role IN ARRAY ARRAY[v_prefix || '_members', v_prefix || '_joiners'] LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = v_role) THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', v_role);
            END IF;
        END LOOP;
        PERFORM public.psn_sync_member_grants();
        EXECUTE format('GRANT EXECUTE ON PROCEDURE public.psn_join(text, text, text, text, text, uuid, text, name) TO %I',
                       v_prefix || '_joiners');
        EXECUTE format('GRANT EXECUTE ON FUNCTION public.psn_join_ask(text, text, text, text), '
                       'public.psn_join_judge(bigint) TO %I', v_prefix || '_joiners');
        EXECUTE format('GRANT EXECUTE ON FUNCTION public.psn_invite_login(uuid, text), '
                       'public.psn_security_audit() TO %I', v_prefix || '_members');
        RETURN v_prefix;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_company_roles() FROM PUBLIC;

CREATE FUNCTION public.psn_check_verifier(p_verifier text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF coalesce(p_verifier, '') !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$' THEN
            RAISE EXCEPTION 'a SCRAM-SHA-256 verifier is required' USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END
    $$;

-- A member's login role (internal: called by the owner, psn_join_judge and psn_reconnect).
CREATE FUNCTION public.psn_create_login(p_member uuid, p_verifier text) RETURNS name
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_prefix text := public.psn_role_prefix();
        v_role   text;
    BEGIN
        PERFORM public.psn_check_verifier(p_verifier);
        IF v_prefix IS NULL THEN
            RAISE EXCEPTION 'this company hub has no roles yet: run psn company migrate'
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        v_role := v_prefix || '_' || replace(p_member::text, '-', '');
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS '
                       'INHERIT PASSWORD %L IN ROLE %I', v_role, p_verifier, v_prefix || '_members');
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), v_role);
        INSERT INTO public.member_logins (role_name, member_id) VALUES (v_role, p_member);
        UPDATE public.members SET key_hash = NULL, updated_at = now() WHERE id = p_member;
        RETURN v_role;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_create_login(uuid, text) FROM PUBLIC;

-- An admin's new invite becomes a login role whose password is the code (the admin's psn sends its
-- SCRAM verifier), valid until the invite expires, able to call psn_join for this invite only.
CREATE FUNCTION public.psn_invite_login(p_invite uuid, p_verifier text) RETURNS name
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_prefix text := public.psn_role_prefix();
        v_invite public.invites%ROWTYPE;
        v_role   text;
    BEGIN
        PERFORM public.psn_check_verifier(p_verifier);
        IF coalesce(public.psn_member_role(), '') NOT IN ('owner', 'admin') THEN
            RAISE EXCEPTION 'only an admin creates invites' USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT i.* INTO v_invite FROM public.invites i
         WHERE i.id = p_invite AND i.role_name IS NULL AND i.used_at IS NULL AND i.revoked_at IS NULL
           AND i.expires_at > now() FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such open invite' USING ERRCODE = 'no_data_found';
        END IF;
        v_role := v_prefix || '_i' || replace(p_invite::text, '-', '');
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS '
                       'INHERIT CONNECTION LIMIT 5 PASSWORD %L VALID UNTIL %L IN ROLE %I',
                       v_role, p_verifier, v_invite.expires_at, v_prefix || '_joiners');
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), v_role);
        UPDATE public.invites SET role_name = v_role WHERE id = p_invite;
        RETURN v_role;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_invite_login(uuid, text) FROM PUBLIC;

-- Used, revoked or expired invites and removed members lose their login at once.
CREATE FUNCTION public.psn_close_logins() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_role name;
    BEGIN
        IF TG_TABLE_NAME = 'invites' THEN
            v_role := NEW.role_name;
            IF v_role IS NULL OR (NEW.used_at IS NULL AND NEW.revoked_at IS NULL) THEN
                RETURN NULL;
            END IF;
        ELSE
            IF NEW.removed_at IS NULL OR OLD.removed_at IS NOT NULL THEN
                RETURN NULL;
            END IF;
            SELECT l.role_name INTO v_role FROM public.member_logins l WHERE l.member_id = NEW.id;
            IF v_role IS NULL THEN
                RETURN NULL;
            END IF;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = v_role) THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN', v_role);
            IF v_role <> session_user THEN
                BEGIN
                    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a WHERE a.usename = v_role;
                EXCEPTION WHEN insufficient_privilege THEN
                    NULL;  -- a non-superuser owner may not signal it; NOLOGIN and the RLS refuse anyway
                END;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_close_logins() FROM PUBLIC;
CREATE TRIGGER invites_close_login AFTER UPDATE ON invites FOR EACH ROW EXECUTE FUNCTION psn_close_logins();
CREATE TRIGGER members_close_login AFTER UPDATE ON members FOR EACH ROW EXECUTE FUNCTION psn_close_logins();

-- Joining --------------------------------------------------------------------------------------------

-- Step 1 (as the owner): record the request, or NULL when this invite role failed too often lately.
CREATE FUNCTION public.psn_join_ask(p_code text, p_verifier text, p_name text, p_timezone text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    DECLARE
        v_id bigint;
    BEGIN
        IF public.psn_hub_kind() <> 'company'
           OR NOT EXISTS (SELECT 1 FROM public.invites i WHERE i.role_name = session_user) THEN
            RAISE EXCEPTION 'only an invite joins' USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM public.psn_check_verifier(p_verifier);
        IF length(coalesce(p_name, '')) NOT BETWEEN 1 AND 200 THEN
            RAISE EXCEPTION 'invalid display name' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('psn.join:' || session_user, 0));
        IF (SELECT count(*) FROM public.join_requests j
             WHERE j.caller = session_user AND j.outcome IS DISTINCT FROM 'ok'
               AND j.created_at > now() - interval '15 minutes') >= 5 THEN
            RETURN NULL;
        END IF;
        INSERT INTO public.join_requests (code_hash, verifier, display_name, timezone)
        VALUES (encode(sha256(convert_to(upper(regexp_replace(coalesce(p_code, ''), '[^A-Za-z0-9]', '', 'g')),
                                         'UTF8')), 'hex'),
                p_verifier, p_name, coalesce(nullif(p_timezone, ''), 'UTC'))
        RETURNING id INTO v_id;
        RETURN v_id;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_join_ask(text, text, text, text) FROM PUBLIC;

-- Step 2 (as the owner): judge a request committed earlier, against the caller's own invite.
CREATE FUNCTION public.psn_join_judge(p_request bigint)
    RETURNS TABLE (outcome text, new_member uuid, new_role text, login_role name)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    #variable_conflict use_column
    DECLARE
        v_req    public.join_requests%ROWTYPE;
        v_invite public.invites%ROWTYPE;
        v_id     uuid := gen_random_uuid();
        v_out    text;
        v_login  name;
    BEGIN
        SELECT j.* INTO v_req FROM public.join_requests j
         WHERE j.id = p_request AND j.caller = session_user AND j.outcome IS NULL FOR UPDATE;
        IF NOT FOUND OR v_req.asked_in = pg_current_xact_id() THEN
            RAISE EXCEPTION 'join through CALL psn_join(...), outside a transaction'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT i.* INTO v_invite FROM public.invites i WHERE i.role_name = session_user FOR UPDATE;
        v_out := CASE
            WHEN v_invite.id IS NULL OR v_invite.code_hash <> v_req.code_hash THEN 'invalid'
            WHEN v_invite.revoked_at IS NOT NULL THEN 'revoked'
            WHEN v_invite.used_at IS NOT NULL THEN 'used'
            WHEN v_invite.expires_at <= now() THEN 'expired'
            ELSE 'ok' END;
        IF v_out = 'ok' THEN
            INSERT INTO public.members (id, display_name, timezone, role)
            VALUES (v_id, v_req.display_name, v_req.timezone, v_invite.role);
            v_login := public.psn_create_login(v_id, v_req.verifier);
            UPDATE public.invites SET used_at = now(), used_by = v_id WHERE id = v_invite.id;
        ELSE
            v_id := NULL;
        END IF;
        UPDATE public.join_requests SET outcome = v_out, new_member = v_id, verifier = NULL, judged_at = now()
         WHERE id = p_request;
        RETURN QUERY SELECT v_out, v_id, CASE WHEN v_out = 'ok' THEN v_invite.role END, v_login;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_join_judge(bigint) FROM PUBLIC;

-- What a joiner calls, in autocommit: the request is committed before it is judged, so
-- BEGIN; CALL psn_join(...); ROLLBACK fails at the first COMMIT having learnt nothing. (A procedure
-- that commits cannot be SECURITY DEFINER nor carry SET: it runs as the invite role, and every name
-- in it is schema-qualified; that role has no TEMP and no CREATE anywhere.)
CREATE PROCEDURE public.psn_join(p_code text, p_verifier text, p_name text, p_timezone text,
                                 INOUT outcome text DEFAULT NULL, INOUT new_member uuid DEFAULT NULL,
                                 INOUT new_role text DEFAULT NULL, INOUT login_role name DEFAULT NULL)
    LANGUAGE plpgsql
    AS $$
    DECLARE
        v_request bigint;
    BEGIN
        v_request := public.psn_join_ask(p_code, p_verifier, p_name, p_timezone);
        COMMIT;
        IF v_request IS NULL THEN
            outcome := 'rate_limited';
            RETURN;
        END IF;
        SELECT j.outcome, j.new_member, j.new_role, j.login_role INTO outcome, new_member, new_role, login_role
          FROM public.psn_join_judge(v_request) j;
    END
    $$;
REVOKE EXECUTE ON PROCEDURE psn_join(text, text, text, text, text, uuid, text, name) FROM PUBLIC;

-- Moving over: a member still on psn_app proves it with their key one last time and gets a login role.
CREATE FUNCTION public.psn_reconnect(p_verifier text) RETURNS name
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    BEGIN
        IF session_user <> 'psn_app' OR public.psn_hub_kind() <> 'company' OR public.psn_member_role() IS NULL THEN
            RAISE EXCEPTION 'only an active member with their key moves over' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN public.psn_create_login(public.psn_current_member(), p_verifier);
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_reconnect(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_reconnect(text) TO psn_app;

-- What psn doctor reports. Catalog findings for anyone; the roster's for admins (and the owner).
CREATE FUNCTION public.psn_security_audit() RETURNS TABLE (problem text, subject text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp
    AS $$
    #variable_conflict use_column
    DECLARE
        v_prefix text := public.psn_role_prefix();
        v_admin  boolean := session_user = current_user OR coalesce(public.psn_member_role(), '') IN ('owner', 'admin');
    BEGIN
        RETURN QUERY
            SELECT 'public_' || lower(a.privilege_type), current_database()::text
              FROM pg_database d, aclexplode(d.datacl) a
             WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY');
        IF (SELECT d.datacl IS NULL FROM pg_database d WHERE d.datname = current_database()) THEN
            RETURN QUERY SELECT 'public_connect', current_database()::text;
        END IF;
        RETURN QUERY
            SELECT 'public_create', 'schema public' FROM pg_namespace n, aclexplode(n.nspacl) a
             WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE';
        RETURN QUERY
            SELECT 'search_path', p.oid::regprocedure::text FROM pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' AND p.prosqlbody IS NULL
               AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%');
        -- login roles granted CONNECT here and on another database too (superusers and the owner aside)
        RETURN QUERY
            SELECT DISTINCT 'shared_role', r.rolname::text || ' (also ' || o.datname || ')'
              FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
              JOIN pg_database o ON o.datname <> d.datname
             CROSS JOIN LATERAL aclexplode(o.datacl) b
             WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT' AND r.rolcanlogin
               AND NOT r.rolsuper AND r.oid <> d.datdba AND b.grantee = r.oid AND b.privilege_type = 'CONNECT';
        IF v_prefix IS NULL OR NOT v_admin THEN
            RETURN;
        END IF;
        RETURN QUERY
            SELECT CASE WHEN m.key_hash IS NULL THEN 'keyless_member' ELSE 'not_moved_member' END,
                   m.display_name || ' (' || m.id::text || ')'
              FROM public.members m
             WHERE m.removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM public.member_logins l WHERE l.member_id = m.id);
        RETURN QUERY
            SELECT 'unknown_login', r.rolname::text FROM pg_roles r
             WHERE r.rolname LIKE v_prefix || '\_%' AND r.rolcanlogin
               AND NOT EXISTS (SELECT 1 FROM public.member_logins l WHERE l.role_name = r.rolname)
               AND NOT EXISTS (SELECT 1 FROM public.invites i WHERE i.role_name = r.rolname);
        RETURN QUERY
            SELECT 'spent_invite_login', r.rolname::text FROM pg_roles r JOIN public.invites i ON i.role_name = r.rolname
             WHERE r.rolcanlogin AND (i.used_at IS NOT NULL OR i.revoked_at IS NOT NULL);
        RETURN QUERY
            SELECT 'removed_can_login', l.role_name::text FROM public.member_logins l
              JOIN public.members m ON m.id = l.member_id JOIN pg_roles r ON r.rolname = l.role_name
             WHERE m.removed_at IS NOT NULL AND r.rolcanlogin;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_security_audit() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_security_audit() TO psn_app;
