-- The hub itself: reachability, the runtime role and member context, migrations bookkeeping, the
-- security audits, secrets, and the member row that `psn init` creates and `psn doctor` checks. The
-- migrations themselves are migrations/*.sql; statements naming a role, database or table by a value
-- (CREATE ROLE, GRANT, key rotation) are built in Python with psycopg.sql.Identifier.

-- name: ping
-- A no-op that proves the connection works.
SELECT 1;

-- name: server_version
-- The PostgreSQL version the hub runs.
SHOW server_version;

-- name: unscoped_members
-- Member rows visible without a member context (must be none for psn_app).
SELECT count(*) FROM members;

-- name: member_name
-- A member's display name.
SELECT display_name FROM members WHERE id = %(member)s;

-- name: ensure_member
-- Create the member row unless it exists.
INSERT INTO members (id, display_name, timezone) VALUES (%(member)s, %(name)s, %(timezone)s)
ON CONFLICT (id) DO NOTHING;

-- === connections (database.py) ==============================================================

-- name: session_role
-- The role this connection runs as, and whether it could bypass row-level security.
SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user;

-- name: set_member_id
-- Act for one member until the transaction ends (local) or for the whole session (row-level security keys on it).
SELECT set_config('psn.member_id', %(member_id)s, %(local)s);

-- name: set_member_key
-- The member's secret key on a company hub, checked beside psn.member_id (migration 0009).
SELECT set_config('psn.member_key', %(member_key)s, %(local)s);

-- === migrations (migrate.py) ================================================================

-- name: lock_migrations
-- One migration runner at a time, across every psn that reaches this hub.
SELECT pg_advisory_lock(%(key)s);

-- name: unlock_migrations
SELECT pg_advisory_unlock(%(key)s);

-- name: create_schema_migrations
-- The record of applied migrations, created before the first one runs.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: schema_migrations_exists
-- Whether the hub has a migration record yet.
SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok;

-- name: recorded_migrations
-- Every applied migration and the checksum of its file when it was applied.
SELECT version, checksum FROM schema_migrations;

-- name: record_migration
-- An applied migration, in the same transaction as its SQL.
INSERT INTO schema_migrations (version, name, checksum) VALUES (%(version)s, %(name)s, %(checksum)s);

-- name: role_exists
SELECT 1 FROM pg_roles WHERE rolname = %(role)s;

-- name: database_exists
SELECT 1 FROM pg_database WHERE datname = %(database)s;

-- === security audits (audit.py) =============================================================

-- name: table_security
-- RLS state of every table in the public schema and the policies that apply to the runtime role.
SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       coalesce(array_agg(p.policyname ORDER BY p.policyname)
                FILTER (WHERE %(role)s = ANY (p.roles) OR 'public' = ANY (p.roles)), '{}') AS policies
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
 GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
 ORDER BY c.relname;

-- name: role_security
-- A role's attributes and how many public tables it owns.
SELECT r.rolsuper, r.rolbypassrls,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owned
  FROM pg_roles r WHERE r.rolname = %(role)s;

-- === secrets (vault.py; key rotation builds its queries from ENCRYPTED_COLUMNS) ==============

-- name: upsert_secret
-- Store or replace a member's encrypted secret.
INSERT INTO secrets (member_id, name, value_enc) VALUES (%(member_id)s, %(name)s, %(value_enc)s)
ON CONFLICT (member_id, name) DO UPDATE SET value_enc = EXCLUDED.value_enc, updated_at = now();

-- name: secret_value
-- A member's encrypted secret.
SELECT value_enc FROM secrets WHERE member_id = %(member_id)s AND name = %(name)s;

-- name: secret_names
-- The names of a member's secrets, in order.
SELECT name FROM secrets WHERE member_id = %(member_id)s ORDER BY name;

-- name: function_exists
-- Whether a function exists (a migration-dependent feature), by its regprocedure signature.
SELECT to_regprocedure(%(signature)s) IS NOT NULL;

-- name: sync_member_grants
-- A company hub's member group gets what psn_app has (migration 0012).
SELECT public.psn_sync_member_grants();

-- name: security_audit
-- What psn_security_audit() (migration 0012) finds wrong with who may connect and how identity is checked.
SELECT problem, subject FROM public.psn_security_audit() ORDER BY problem, subject;
