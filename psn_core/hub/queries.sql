-- The hub itself: reachability, the runtime role's view without a member, and the member row that
-- `psn init` creates and `psn doctor` checks. Migrations (migrations/*.sql) and the audit live apart.

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
