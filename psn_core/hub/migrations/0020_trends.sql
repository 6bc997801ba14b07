-- Trend intake (issue 19, item 3): what the user's field is talking about, collected by the worker from
-- the sources strategy.yaml's `trends:` lists (RSS/Atom feeds, Hacker News, Google Trends' daily RSS,
-- subreddits), scored against the strategy's pillars, kept 30 days.
--
-- trends: one row per member and canonical URL (the dedup key: the same story from two sources is one
-- trend, its sources listed). notified_at is set once, by the UPDATE that claims the right to raise the
-- breaking-news notification, so a trend is announced at most once whatever runs concurrently.
--
-- trend_sources: per member and source, how the last fetch went (ETag and Last-Modified for the next
-- conditional request; last success, last failure and its error for `psn doctor` and `psn trends status`).
--
-- Who: a member sees and changes only their own rows, in a personal or a company hub alike (trends
-- follow the member's own strategy.yaml; nobody reads or rewrites another member's intake).

CREATE TABLE trends (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id     uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    url           text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    title         text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    summary       text NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    source        text NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    sources       text[] NOT NULL DEFAULT '{}',
    kind          text NOT NULL CHECK (kind IN ('feed', 'hacker_news', 'google_trends', 'reddit')),
    signal        double precision NOT NULL DEFAULT 0 CHECK (signal >= 0),
    score         double precision NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 1),
    pillar        text CHECK (pillar ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    matched       text[] NOT NULL DEFAULT '{}',
    published_at  timestamptz,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    notified_at   timestamptz,
    idea_id       uuid REFERENCES ideas (id) ON DELETE SET NULL,
    UNIQUE (member_id, url)
);
CREATE INDEX trends_member_score_idx ON trends (member_id, score DESC, first_seen_at DESC);
CREATE INDEX trends_expiry_idx ON trends (first_seen_at);

CREATE TABLE trend_sources (
    member_id            uuid NOT NULL DEFAULT psn_current_member() REFERENCES members (id) ON DELETE CASCADE,
    source               text NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    kind                 text NOT NULL CHECK (kind IN ('feed', 'hacker_news', 'google_trends', 'reddit')),
    url                  text NOT NULL,
    etag                 text CHECK (length(etag) <= 500),
    last_modified        text CHECK (length(last_modified) <= 100),
    last_attempt_at      timestamptz,
    last_success_at      timestamptz,
    last_failure_at      timestamptz,
    last_error           text CHECK (length(last_error) <= 1000),
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_outcome         text CHECK (last_outcome IN ('fetched', 'not_modified', 'failed')),
    last_items           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, source)
);

-- Row-level security ------------------------------------------------------------------------------
-- Policies name no role (as 0013): they hold for psn_app and members' login roles alike.

ALTER TABLE trends ENABLE ROW LEVEL SECURITY;
ALTER TABLE trends FORCE ROW LEVEL SECURITY;
CREATE POLICY member_trends ON trends
    USING ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member());
CREATE POLICY owner_maintenance ON trends TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE trend_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE trend_sources FORCE ROW LEVEL SECURITY;
CREATE POLICY member_trend_sources ON trend_sources
    USING ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member())
    WITH CHECK ((SELECT psn_member_role()) IS NOT NULL AND member_id = psn_current_member());
CREATE POLICY owner_maintenance ON trend_sources TO CURRENT_USER USING (true) WITH CHECK (true);

-- DELETE: a member's expired trends (30 days) leave the hub; fetch state of sources no longer listed.
GRANT SELECT, INSERT, UPDATE, DELETE ON trends TO psn_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON trend_sources TO psn_app;
