-- 0005 voice: what the writer changed in each draft, the profile changes those edits argue for,
-- and (through draft_edits.format) which post formats went out recently on each platform.
--
-- ``persona`` is the voice profile key, i.e. the file stem in voices/: personal, brand_operator,
-- brand_ambassador, or one of those followed by -<company> (brand_ambassador-acme). Same RLS
-- conventions as 0001.

CREATE TABLE draft_edits (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id           uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    persona             text NOT NULL CHECK (persona ~ '^[a-z][a-z0-9_-]{0,63}$'),
    language            text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z]{2,4})?$'),
    platform            text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,31}$'),
    format              text NOT NULL CHECK (format ~ '^[a-z][a-z0-9_]{0,31}$'),
    draft_text          text NOT NULL,
    final_text          text NOT NULL,
    -- 0 = posted as drafted, 1 = rewritten entirely (by words)
    edit_ratio          double precision NOT NULL CHECK (edit_ratio BETWEEN 0 AND 1),
    -- psn_core.voice.EditDiff as JSON, so suggestions are refreshed without re-diffing the history
    diff                jsonb NOT NULL,
    -- 0-100; NULL when psn ships no naturalness tells for the language
    naturalness_before  smallint CHECK (naturalness_before BETWEEN 0 AND 100),
    naturalness_after   smallint CHECK (naturalness_after BETWEEN 0 AND 100),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX draft_edits_voice_idx ON draft_edits (member_id, persona, language, created_at DESC);
CREATE INDEX draft_edits_platform_idx ON draft_edits (member_id, platform, created_at DESC);

CREATE TABLE voice_suggestions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    persona     text NOT NULL CHECK (persona ~ '^[a-z][a-z0-9_-]{0,63}$'),
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z]{2,4})?$'),
    kind        text NOT NULL CHECK (kind IN ('never_use', 'sentence_length', 'signature_phrase')),
    -- what a pending suggestion is about: the word or phrase; for sentence_length the kind itself,
    -- so a language has at most one pending sentence-length target
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    -- psn_core.voice.Suggestion as JSON (value, target_words, reason, ...)
    payload     jsonb NOT NULL,
    evidence    integer NOT NULL CHECK (evidence >= 1),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'dismissed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    decided_at  timestamptz,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX voice_suggestions_one_pending ON voice_suggestions (member_id, persona, language, kind, subject)
    WHERE status = 'pending';
CREATE INDEX voice_suggestions_member_idx ON voice_suggestions (member_id, status, id);

-- Row-level security ---------------------------------------------------------------------------

ALTER TABLE draft_edits ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_edits FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON draft_edits TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON draft_edits TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE voice_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice_suggestions FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON voice_suggestions TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON voice_suggestions TO CURRENT_USER USING (true) WITH CHECK (true);

-- Grants: psn_app gets row access only -----------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON draft_edits, voice_suggestions TO psn_app;
