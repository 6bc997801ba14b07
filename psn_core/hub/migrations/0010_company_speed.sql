-- 0010 company hubs, faster: the same policies as 0009, with psn_hub_kind() evaluated once per query
-- (wrapped in a scalar subquery, as psn_member_role() already was) instead of once per row, and an
-- index for the approval list's calendar context (a company account's posts around a time).
-- What each policy allows is unchanged.

CREATE INDEX post_targets_account_due_idx ON post_targets (account_id, due_at);

ALTER POLICY admin_rows ON invites
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));

ALTER POLICY approver_rows ON approval_events
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor')
                AND actor_id = psn_current_member());

ALTER POLICY member_read ON company_brand USING ((SELECT psn_hub_kind()) = 'company');
ALTER POLICY admin_write ON company_brand
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));

ALTER POLICY company_roster ON members
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));
ALTER POLICY company_admin ON members
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin'));
ALTER POLICY company_no_self_join ON members WITH CHECK ((SELECT psn_hub_kind()) <> 'company');

ALTER POLICY company_accounts ON accounts
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_active()));
ALTER POLICY company_accounts_admin ON accounts
    WITH CHECK ((SELECT psn_hub_kind()) <> 'company' OR (SELECT psn_member_role()) IN ('owner', 'admin'));

ALTER POLICY authored_rows ON posts
    USING ((SELECT psn_hub_kind()) = 'company' AND author_id = psn_current_member())
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND author_id = psn_current_member());
ALTER POLICY approver_rows ON posts
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));

ALTER POLICY authored_rows ON post_targets
    USING ((SELECT psn_hub_kind()) = 'company'
           AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND status IN ('draft', 'pending_approval', 'cancelled', 'expired')
                AND EXISTS (SELECT 1 FROM posts p WHERE p.id = post_id AND p.author_id = psn_current_member()));
ALTER POLICY approver_rows ON post_targets
    USING ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'))
    WITH CHECK ((SELECT psn_hub_kind()) = 'company' AND (SELECT psn_member_role()) IN ('owner', 'admin', 'editor'));
