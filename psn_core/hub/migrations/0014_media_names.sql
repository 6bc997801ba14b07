-- 0014 media by content only: a post's media is named by the SHA-256 of its bytes, never by a path, and
-- company posts carry their media bytes into the hub so the account owner's worker has them.
--
-- A rendering's media paths must be content-addressed names (psn_core.media.store: 64 hex, or 20 hex
-- from older psn, and an optional short extension) or '' (compacted by pruning). NOT VALID: rows already
-- stored are not re-checked here (psn checks every name again before reading a file), new and changed
-- rows are.
ALTER TABLE post_targets ADD CONSTRAINT post_targets_media_names CHECK (
    NOT jsonb_path_exists(
        rendering,
        '$.parts[*].media[*].path ? (@.type() != "string" || !(@ == "" || @ like_regex "^([0-9a-f]{64}|[0-9a-f]{20})(\\.[a-z0-9]{1,5})?$"))'
    )
) NOT VALID;

-- Media bytes of company posts, stored by their author, read by the account owner's worker. The hub
-- itself checks that the bytes hash to the digest, so no member can store other bytes under a name.
CREATE TABLE media_blobs (
    digest     text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    ext        text NOT NULL CHECK (ext ~ '^[a-z0-9]{1,5}$'),
    data       bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 104857600),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (digest, member_id),
    CHECK (encode(sha256(data), 'hex') = digest)
);
CREATE INDEX media_blobs_digest_idx ON media_blobs (digest);

ALTER TABLE media_blobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_blobs FORCE ROW LEVEL SECURITY;
-- Whoever stored a blob reads and deletes it; in a company hub editors and admins (approvers, and the
-- account owners, who are admins) read every blob, to review and publish the posts using them.
CREATE POLICY member_rows ON media_blobs TO psn_app
    USING (member_id = public.psn_current_member()) WITH CHECK (member_id = public.psn_current_member());
CREATE POLICY approver_read ON media_blobs FOR SELECT TO psn_app
    USING ((SELECT public.psn_hub_kind()) = 'company'
           AND (SELECT public.psn_member_role()) IN ('owner', 'admin', 'editor'));
CREATE POLICY active_member ON media_blobs AS RESTRICTIVE FOR ALL TO psn_app
    USING ((SELECT public.psn_member_active())) WITH CHECK ((SELECT public.psn_member_active()));
CREATE POLICY owner_maintenance ON media_blobs TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, DELETE ON media_blobs TO psn_app;
