-- 0011 once a company post is decided (approved, rejected or expired), the approval requests every
-- approver received for it are settled: acknowledged, so they stop showing as critical and waiting.
-- Runs as the owner because those notifications belong to other members. Safe for any active member to
-- call: it only ever settles requests for a post that is no longer waiting for approval.

CREATE FUNCTION psn_settle_approval_requests(p_post uuid)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    DECLARE
        v_settled integer;
    BEGIN
        IF psn_hub_kind() <> 'company' OR psn_member_role() IS NULL
           OR EXISTS (SELECT 1 FROM public.post_targets t WHERE t.post_id = p_post AND t.status = 'pending_approval') THEN
            RETURN 0;
        END IF;
        UPDATE public.notifications SET acknowledged_at = now()
         WHERE dedup_key = 'approval:' || p_post::text || ':requested' AND kind = 'approval_requested'
           AND acknowledged_at IS NULL;
        GET DIAGNOSTICS v_settled = ROW_COUNT;
        RETURN v_settled;
    END
    $$;
REVOKE EXECUTE ON FUNCTION psn_settle_approval_requests(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION psn_settle_approval_requests(uuid) TO psn_app;
