-- 0002 notifications: the stored record is the truth, WhatsApp (WAHA or Twilio) is only a transport.
--
-- A notification is written first and never deleted by delivery. Its ``state`` says what happens
-- next: queued (a transport should push it), digest (an ENGAGEMENT item waiting for the daily
-- digest), digested (folded into digest_id), delivered, or held (policy kept it off the phone:
-- below the member's threshold or over the daily cap; still listed by `psn notifications`).
-- Every push attempt is a delivery_attempts row. Same RLS conventions as 0001.

CREATE TABLE notification_prefs (
    member_id   uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    transport   text NOT NULL DEFAULT 'cli' CHECK (transport IN ('cli', 'waha', 'twilio')),
    -- WAHA chat id (12132132130@c.us) or an E.164 number for Twilio; NULL with the cli transport
    recipient   text CHECK (recipient IS NULL OR length(recipient) BETWEEN 3 AND 64),
    -- wall-clock times in the member's zone (members.timezone); both NULL: no quiet hours
    quiet_start time,
    quiet_end   time,
    threshold   text NOT NULL DEFAULT 'engagement' CHECK (threshold IN ('critical', 'standard', 'engagement')),
    daily_cap   integer NOT NULL DEFAULT 10 CHECK (daily_cap BETWEEN 0 AND 1000),
    digest_hour smallint NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    CHECK (transport = 'cli' OR recipient IS NOT NULL)
);

CREATE TABLE notifications (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id         uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tier              text NOT NULL CHECK (tier IN ('critical', 'standard', 'engagement')),
    kind              text NOT NULL CHECK (kind ~ '^[a-z0-9_.-]{1,64}$'),
    dedup_key         text NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 200),
    title             text,
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    action            text NOT NULL CHECK (length(action) BETWEEN 1 AND 500),
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'digest', 'digested', 'delivered', 'held')),
    held_reason       text,
    repeat_count      integer NOT NULL DEFAULT 1 CHECK (repeat_count >= 1),
    created_at        timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    delivered_at      timestamptz,
    acknowledged_at   timestamptz,
    -- ENGAGEMENT items: the digest notification that carried them
    digest_id         bigint,
    -- digest notifications: the member's local day they summarise (one digest per day)
    digest_local_date date,
    UNIQUE (id, member_id),
    FOREIGN KEY (digest_id, member_id) REFERENCES notifications (id, member_id),
    CHECK ((state = 'digested') = (digest_id IS NOT NULL)),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX notifications_queue_idx ON notifications (member_id, state, id);
CREATE INDEX notifications_dedup_idx ON notifications (member_id, dedup_key, created_at DESC);
CREATE INDEX notifications_unacked_idx ON notifications (member_id, id) WHERE acknowledged_at IS NULL;
CREATE UNIQUE INDEX notifications_one_digest_a_day ON notifications (member_id, digest_local_date)
    WHERE digest_local_date IS NOT NULL;

CREATE TABLE delivery_attempts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id     bigint NOT NULL,
    member_id           uuid NOT NULL,
    transport           text NOT NULL CHECK (transport IN ('waha', 'twilio')),
    status              text NOT NULL CHECK (status IN ('sent', 'failed')),
    provider_message_id text,
    error               text,
    attempted_at        timestamptz NOT NULL,
    -- the attempt's member is always its notification's member
    FOREIGN KEY (notification_id, member_id) REFERENCES notifications (id, member_id) ON DELETE CASCADE,
    CHECK ((status = 'sent') = (provider_message_id IS NOT NULL))
);
CREATE INDEX delivery_attempts_notification_idx ON delivery_attempts (notification_id, id);

CREATE TABLE transport_health (
    member_id            uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    transport            text NOT NULL CHECK (transport IN ('waha', 'twilio')),
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    backlog_since        timestamptz,
    last_ping_at         timestamptz,
    last_ok_at           timestamptz,
    last_error           text
);

-- Row-level security ---------------------------------------------------------------------------

ALTER TABLE notification_prefs ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_prefs FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON notification_prefs TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON notification_prefs TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON notifications TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON notifications TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE delivery_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE delivery_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON delivery_attempts TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON delivery_attempts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE transport_health ENABLE ROW LEVEL SECURITY;
ALTER TABLE transport_health FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON transport_health TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON transport_health TO CURRENT_USER USING (true) WITH CHECK (true);

-- Grants: row access only. Identity columns need no sequence grant (nextval runs as the table). -------

GRANT SELECT, INSERT, UPDATE, DELETE ON notification_prefs, notifications, delivery_attempts, transport_health
    TO psn_app;
