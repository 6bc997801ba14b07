-- 0008 analytics: per-post metric snapshots (time series), the latest metrics of each published target
-- (denormalised so the 30-day summary reads one narrow table), weekly/monthly rollups kept up to date
-- incrementally by the sweep, follower counts per account, and sweep bookkeeping (when each target
-- was last collected and is next due; when each account's sweep stopped and may continue).
-- User commands read these tables only; only the worker's sweep talks to the platforms.
-- Same RLS conventions as 0001.

CREATE TABLE metric_snapshots (
    member_id      uuid NOT NULL,
    target_id      uuid NOT NULL,
    collected_at   timestamptz NOT NULL,
    impressions    bigint,
    reach          bigint,
    views          bigint,
    likes          bigint,
    comments       bigint,
    shares         bigint,
    saves          bigint,
    link_clicks    bigint,
    profile_clicks bigint,
    PRIMARY KEY (target_id, collected_at),
    FOREIGN KEY (target_id, member_id) REFERENCES post_targets (id, member_id) ON DELETE CASCADE
);

-- One row per published target: its newest snapshot plus what the summary groups by.
-- exposure = the platform's reach measure (impressions, else views, else reach);
-- engagements = likes + comments + shares + saves; weighted = likes + 3*comments + 2*shares + 2*saves.
CREATE TABLE post_metrics (
    target_id            uuid PRIMARY KEY,
    member_id            uuid NOT NULL,
    post_id              uuid NOT NULL,
    account_id           uuid NOT NULL,
    platform             text NOT NULL,
    language             text NOT NULL,
    format               text NOT NULL CHECK (format IN (
                             'text', 'thread', 'image', 'carousel', 'video', 'document', 'article')),
    published_at         timestamptz NOT NULL,
    collected_at         timestamptz NOT NULL,
    impressions          bigint,
    reach                bigint,
    views                bigint,
    likes                bigint,
    comments             bigint,
    shares               bigint,
    saves                bigint,
    link_clicks          bigint,
    profile_clicks       bigint,
    exposure             bigint NOT NULL DEFAULT 0,
    engagements          bigint NOT NULL DEFAULT 0,
    weighted             bigint NOT NULL DEFAULT 0,
    -- suppression signals, recomputed after every collection of the account
    baseline_exposure    double precision,
    flag_low_impressions boolean NOT NULL DEFAULT false,
    flag_low_engagement  boolean NOT NULL DEFAULT false,
    FOREIGN KEY (target_id, member_id) REFERENCES post_targets (id, member_id) ON DELETE CASCADE
);
CREATE INDEX post_metrics_member_time_idx ON post_metrics (member_id, published_at DESC);
CREATE INDEX post_metrics_account_time_idx ON post_metrics (member_id, account_id, published_at DESC);
CREATE INDEX post_metrics_flagged_idx ON post_metrics (member_id, published_at DESC)
    WHERE flag_low_impressions OR flag_low_engagement;

-- Sums of post_metrics by the period the post was published in (weeks start Monday), in the zone
-- named; the sweep adds each change (new - old) as it stores it.
CREATE TABLE metric_rollups (
    member_id    uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    period       text NOT NULL CHECK (period IN ('week', 'month')),
    zone         text NOT NULL,
    period_start date NOT NULL,
    platform     text NOT NULL,
    language     text NOT NULL,
    format       text NOT NULL,
    posts        integer NOT NULL DEFAULT 0,
    impressions  bigint NOT NULL DEFAULT 0,
    reach        bigint NOT NULL DEFAULT 0,
    views        bigint NOT NULL DEFAULT 0,
    likes        bigint NOT NULL DEFAULT 0,
    comments     bigint NOT NULL DEFAULT 0,
    shares       bigint NOT NULL DEFAULT 0,
    saves        bigint NOT NULL DEFAULT 0,
    exposure     bigint NOT NULL DEFAULT 0,
    engagements  bigint NOT NULL DEFAULT 0,
    weighted     bigint NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, period, zone, period_start, platform, language, format)
);

CREATE TABLE account_followers (
    member_id    uuid NOT NULL,
    account_id   uuid NOT NULL,
    collected_at timestamptz NOT NULL,
    followers    bigint NOT NULL CHECK (followers >= 0),
    PRIMARY KEY (account_id, collected_at),
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE
);

-- Per target: when it was last collected and when it is next due (NULL: not any more, > 30 days).
CREATE TABLE metric_collection (
    target_id         uuid PRIMARY KEY,
    member_id         uuid NOT NULL,
    last_collected_at timestamptz NOT NULL,
    next_due_at       timestamptz,
    collections       integer NOT NULL DEFAULT 1,
    FOREIGN KEY (target_id, member_id) REFERENCES post_targets (id, member_id) ON DELETE CASCADE
);
CREATE INDEX metric_collection_due_idx ON metric_collection (member_id, next_due_at);

-- Per account: the last sweep, and when a sweep stopped by the budget may continue.
CREATE TABLE analytics_sweeps (
    account_id            uuid PRIMARY KEY,
    member_id             uuid NOT NULL,
    last_started_at       timestamptz,
    last_finished_at      timestamptz,
    last_complete_at      timestamptz,
    resume_at             timestamptz,
    stopped_reason        text,
    collected             integer NOT NULL DEFAULT 0,
    followers_checked_at  timestamptz,
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE
);

-- Per member: a refresh asked for by `psn analytics --refresh` or the MCP tool, picked up by the worker.
CREATE TABLE analytics_requests (
    member_id    uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL,
    force        boolean NOT NULL DEFAULT false
);

ALTER TABLE metric_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_snapshots FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON metric_snapshots TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON metric_snapshots TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE post_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON post_metrics TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON post_metrics TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE metric_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON metric_rollups TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON metric_rollups TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE account_followers ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_followers FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON account_followers TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON account_followers TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE metric_collection ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_collection FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON metric_collection TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON metric_collection TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE analytics_sweeps ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_sweeps FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON analytics_sweeps TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON analytics_sweeps TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE analytics_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON analytics_requests TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON analytics_requests TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON metric_snapshots, post_metrics, metric_rollups, account_followers,
    metric_collection, analytics_sweeps, analytics_requests TO psn_app;
