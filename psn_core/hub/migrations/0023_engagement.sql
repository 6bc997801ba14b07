-- The engagement inbox (issue 19): conversations worth joining, found by the sweep within each account's
-- request budget, triaged by the user, and the replies they confirmed, posted exactly once.
--
-- engagement_opportunities: one row per thing someone said (a mention, a search find, a comment), unique
-- per member, platform and remote id (the sweep's dedup), scored 0..1, expiring 48 h after it was said.
-- States: new -> yes | no | skipped (triage), yes -> replied (its reply went out), any open one -> expired.
--
-- engagement_replies: the reply the user confirmed for one opportunity (at most one live: exactly once; a
-- failed one, refused by the platform, may be replaced by a new one). Its
-- row is the ledger: committed 'confirmed', then 'sending' *before* the request leaves, then 'sent' with
-- the remote id, or 'unknown' when no answer came back; a row left 'sending' or 'unknown' is reconciled by
-- reading the platform before anything is sent again. idempotency_key is unique.
--
-- engagement_reply_leases: who is sending a reply right now (a row lock held by the sender's own session,
-- gone when it dies, as publish_leases).
--
-- engagement_sources: per account and source, where the last read stopped (since_id), when the budget
-- lets the sweep read again, and the last refusal (psn engage status shows it).
--
-- Who: engagement belongs to the member whose account it is, also in a company hub (RLS on member_id).

CREATE TABLE engagement_opportunities (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id         uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    account_id        uuid NOT NULL,
    platform          text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    remote_id         text NOT NULL CHECK (length(remote_id) BETWEEN 1 AND 200),
    source            text NOT NULL CHECK (source IN ('mentions', 'search', 'comments')),
    author_id         text NOT NULL,
    author_handle     text NOT NULL,
    author_followers  integer,
    text              text NOT NULL CHECK (length(text) <= 10000),
    url               text,
    conversation_id   text,
    in_reply_to_id    text,
    addressed         boolean NOT NULL,
    score             real NOT NULL CHECK (score >= 0 AND score <= 1),
    score_parts       jsonb NOT NULL DEFAULT '{}',
    state             text NOT NULL DEFAULT 'new'
                      CHECK (state IN ('new', 'yes', 'no', 'skipped', 'replied', 'expired')),
    said_at           timestamptz NOT NULL,
    found_at          timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    triaged_at        timestamptz,
    notified_at       timestamptz,
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE,
    UNIQUE (member_id, platform, remote_id)
);
CREATE INDEX engagement_opportunities_open_idx ON engagement_opportunities (member_id, state, score DESC);
CREATE INDEX engagement_opportunities_expiry_idx ON engagement_opportunities (expires_at)
    WHERE state IN ('new', 'yes', 'skipped');

CREATE TABLE engagement_replies (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id       uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    opportunity_id  uuid NOT NULL REFERENCES engagement_opportunities (id) ON DELETE CASCADE,
    account_id      uuid NOT NULL,
    platform        text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    in_reply_to     text NOT NULL,
    author_id       text NOT NULL,
    text            text NOT NULL CHECK (length(btrim(text)) BETWEEN 1 AND 5000),
    idempotency_key text NOT NULL UNIQUE,
    state           text NOT NULL DEFAULT 'confirmed'
                    CHECK (state IN ('confirmed', 'sending', 'sent', 'unknown', 'failed')),
    remote_id       text,
    attempts        integer NOT NULL DEFAULT 0,
    error_class     text,
    error_message   text,
    confirmed_at    timestamptz NOT NULL,
    sending_at      timestamptz,
    sent_at         timestamptz,
    outcome         jsonb,
    outcome_at      timestamptz,
    answered_at     timestamptz,
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE,
    CONSTRAINT engagement_replies_sent CHECK ((state = 'sent') = (remote_id IS NOT NULL))
);
-- one live reply per opportunity; a failed one (the platform refused it, nothing posted) may be replaced
CREATE UNIQUE INDEX engagement_replies_one_live ON engagement_replies (opportunity_id) WHERE state <> 'failed';
CREATE INDEX engagement_replies_open_idx ON engagement_replies (member_id, state)
    WHERE state IN ('confirmed', 'sending', 'unknown');
CREATE INDEX engagement_replies_caps_idx ON engagement_replies (account_id, confirmed_at);

CREATE TABLE engagement_reply_leases (
    reply_id  uuid PRIMARY KEY REFERENCES engagement_replies (id) ON DELETE CASCADE,
    member_id uuid NOT NULL DEFAULT psn_current_member()
);

CREATE TABLE engagement_sources (
    account_id    uuid NOT NULL,
    member_id     uuid NOT NULL DEFAULT psn_current_member(),
    source        text NOT NULL CHECK (source IN ('mentions', 'search', 'comments')),
    since_id      text,
    checked_at    timestamptz,
    resume_at     timestamptz,
    last_error    text,
    last_error_at timestamptz,
    PRIMARY KEY (account_id, source),
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE
);

-- An idea captured from a conversation (the content bridge) says so.
ALTER TABLE ideas DROP CONSTRAINT ideas_source_check;
ALTER TABLE ideas ADD CONSTRAINT ideas_source_check
    CHECK (source IN ('capture', 'plan', 'trend', 'remix', 'recycle', 'engage'));

-- Row-level security ------------------------------------------------------------------------------
-- Policies name no role (as 0013): they hold for psn_app and members' login roles alike.

ALTER TABLE engagement_opportunities ENABLE ROW LEVEL SECURITY;
ALTER TABLE engagement_opportunities FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON engagement_opportunities
    USING (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM public.accounts a
                             WHERE a.id = account_id AND a.member_id = public.psn_current_member()));
CREATE POLICY owner_maintenance ON engagement_opportunities TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE engagement_replies ENABLE ROW LEVEL SECURITY;
ALTER TABLE engagement_replies FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON engagement_replies
    USING (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM public.engagement_opportunities o
                             WHERE o.id = opportunity_id AND o.member_id = public.psn_current_member()));
CREATE POLICY owner_maintenance ON engagement_replies TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE engagement_reply_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE engagement_reply_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON engagement_reply_leases
    USING (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM public.engagement_replies r
                             WHERE r.id = reply_id AND r.member_id = public.psn_current_member()));
CREATE POLICY owner_maintenance ON engagement_reply_leases TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE engagement_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE engagement_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON engagement_sources
    USING (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = public.psn_current_member() AND (SELECT public.psn_member_role()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM public.accounts a
                             WHERE a.id = account_id AND a.member_id = public.psn_current_member()));
CREATE POLICY owner_maintenance ON engagement_sources TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE ON engagement_opportunities TO psn_app;
GRANT SELECT, INSERT, UPDATE ON engagement_replies TO psn_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON engagement_reply_leases TO psn_app;
GRANT SELECT, INSERT, UPDATE ON engagement_sources TO psn_app;
