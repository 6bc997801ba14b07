-- Voice match (issue 20, items 2 and 3): the user's own texts imported as samples of their voice, and the
-- baseline of their writing habits computed from those samples and their published posts.
--
-- voice_samples: one row per imported text (pasted, a file, a web page, the user's own X posts), per
-- persona and language; the same text twice is stored once (body_hash). voice_baselines: the measured
-- habits (psn_core.voice.match.VoiceBaseline as JSON) per persona and language, rewritten on every
-- import and by `psn voice baseline`.
--
-- Both are the member's own: in a personal hub and in a company hub alike only that member (active)
-- reads or writes their rows. Policies name no role (as 0013) and hold for psn_app and login roles.

CREATE TABLE voice_samples (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    persona     text NOT NULL CHECK (persona ~ '^[a-z][a-z0-9_-]{0,63}$'),
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z]{2,4})?$'),
    source      text NOT NULL CHECK (source IN ('text', 'file', 'url', 'x')),
    -- where it came from: the file name, the URL, the X post id; NULL for pasted text
    origin      text CHECK (length(origin) <= 2048),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    body_hash   text NOT NULL CHECK (body_hash ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, persona, language, body_hash)
);
CREATE INDEX voice_samples_voice_idx ON voice_samples (member_id, persona, language, created_at DESC);

CREATE TABLE voice_baselines (
    member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    persona     text NOT NULL CHECK (persona ~ '^[a-z][a-z0-9_-]{0,63}$'),
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z]{2,4})?$'),
    baseline    jsonb NOT NULL,
    samples     integer NOT NULL CHECK (samples >= 0),
    posts       integer NOT NULL CHECK (posts >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, persona, language)
);

ALTER TABLE voice_samples ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice_samples FORCE ROW LEVEL SECURITY;
CREATE POLICY own_samples ON voice_samples
    USING (member_id = psn_current_member() AND (SELECT psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = psn_current_member() AND (SELECT psn_member_role()) IS NOT NULL);
CREATE POLICY owner_maintenance ON voice_samples TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE voice_baselines ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice_baselines FORCE ROW LEVEL SECURITY;
CREATE POLICY own_baseline ON voice_baselines
    USING (member_id = psn_current_member() AND (SELECT psn_member_role()) IS NOT NULL)
    WITH CHECK (member_id = psn_current_member() AND (SELECT psn_member_role()) IS NOT NULL);
CREATE POLICY owner_maintenance ON voice_baselines TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, DELETE ON voice_samples TO psn_app;
GRANT SELECT, INSERT, UPDATE ON voice_baselines TO psn_app;
