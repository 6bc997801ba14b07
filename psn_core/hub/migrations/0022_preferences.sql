-- Preferences: what psn learns (issue 20, items 5 and 6): a stored preference model per member and, in a company hub,
-- one for the brand; and the strategy changes psn proposes for the user to approve or reject.
--
-- preference_models: one row per member (scope 'member', member_id set) and at most one brand row per
-- company hub (scope 'brand', member_id NULL). The model itself is JSON (psn_core.services.learning's
-- Preferences), rewritten whole by the weekly task or `psn prefs refresh`.
--   member rows: only their member reads and writes them (an active member).
--   the brand row: only in a company hub; every active member reads it, only editors, admins and the
--   owner write it.
--
-- strategy_proposals: the bigger changes (a new pillar, dropping a format, a posting frequency) psn
-- found evidence for; they change nothing until their member approves them. One pending proposal per
-- member and field. Only their member sees and decides them.
--
-- Policies name no role (as the ideas bank): they hold for psn_app and members' login roles alike.

CREATE TABLE preference_models (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scope       text NOT NULL CHECK (scope IN ('member', 'brand')),
    member_id   uuid REFERENCES members (id) ON DELETE CASCADE,
    model       jsonb NOT NULL,
    computed_at timestamptz NOT NULL,
    computed_by uuid NOT NULL DEFAULT psn_current_member(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT preference_models_owner CHECK ((scope = 'member') = (member_id IS NOT NULL))
);
CREATE UNIQUE INDEX preference_models_member_idx ON preference_models (member_id) WHERE scope = 'member';
CREATE UNIQUE INDEX preference_models_brand_idx ON preference_models (scope) WHERE scope = 'brand';

CREATE TABLE strategy_proposals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('add_pillar', 'drop_format', 'frequency')),
    -- the strategy field it would set (pillars.<name>, frequency.<platform>), or format.<platform>.<format>
    path        text NOT NULL CHECK (length(path) BETWEEN 1 AND 120),
    value       jsonb,
    summary     text NOT NULL CHECK (length(summary) BETWEEN 1 AND 500),
    evidence    text NOT NULL CHECK (length(evidence) BETWEEN 1 AND 2000),
    post_ids    uuid[] NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at  timestamptz NOT NULL,
    decided_at  timestamptz,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX strategy_proposals_one_pending ON strategy_proposals (member_id, path) WHERE status = 'pending';
CREATE INDEX strategy_proposals_member_idx ON strategy_proposals (member_id, status, id);

-- Row-level security ------------------------------------------------------------------------------

ALTER TABLE preference_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE preference_models FORCE ROW LEVEL SECURITY;
CREATE POLICY member_model ON preference_models
    USING ((SELECT psn_member_role()) IS NOT NULL AND scope = 'member' AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND scope = 'member' AND member_id = psn_current_member());
CREATE POLICY brand_model_read ON preference_models FOR SELECT
    USING (scope = 'brand' AND (SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IS NOT NULL);
CREATE POLICY brand_model_insert ON preference_models FOR INSERT
    WITH CHECK (scope = 'brand' AND (SELECT psn_hub_kind()) = 'company'
                AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')
                AND computed_by = psn_current_member());
CREATE POLICY brand_model_update ON preference_models FOR UPDATE
    USING (scope = 'brand' AND (SELECT psn_hub_kind()) = 'company'
           AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK (scope = 'brand' AND (SELECT psn_hub_kind()) = 'company'
                AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')
                AND computed_by = psn_current_member());
CREATE POLICY owner_maintenance ON preference_models TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE strategy_proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE strategy_proposals FORCE ROW LEVEL SECURITY;
CREATE POLICY member_proposals ON strategy_proposals
    USING ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member());
CREATE POLICY owner_maintenance ON strategy_proposals TO CURRENT_USER USING (true) WITH CHECK (true);

-- No DELETE of the brand model (a member model is the member's own) and none of proposals: a decided
-- proposal stays as the record of what the user said.
GRANT SELECT, INSERT, UPDATE, DELETE ON preference_models TO psn_app;
GRANT SELECT, INSERT, UPDATE ON strategy_proposals TO psn_app;
