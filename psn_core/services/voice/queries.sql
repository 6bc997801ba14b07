-- Voice: every approved draft with its edit (draft_edits) and the profile changes psn proposes from
-- them (voice_suggestions). Suggestions are read with their payload unpacked into columns.

-- name: recent_formats
-- The formats of the member's last approvals on a platform, newest first.
SELECT format FROM draft_edits WHERE member_id = %(member)s AND platform = %(platform)s
 ORDER BY created_at DESC, id DESC LIMIT %(limit)s;

-- name: record_edit
-- Store a draft, the text the user approved and their diff (created now unless given).
INSERT INTO draft_edits (member_id, persona, language, platform, format, draft_text, final_text,
                         edit_ratio, diff, naturalness_before, naturalness_after, created_at)
VALUES (%(member)s, %(persona)s, %(language)s, %(platform)s, %(format)s, %(draft)s, %(final)s,
        %(ratio)s, %(diff)s, %(before)s, %(after)s, coalesce(%(at)s, now()))
RETURNING id;

-- name: recent_diffs
-- The diffs of the last edits of one persona and language, newest first.
SELECT diff FROM draft_edits WHERE member_id = %(member)s AND persona = %(persona)s AND language = %(language)s
 ORDER BY created_at DESC, id DESC LIMIT %(limit)s;

-- name: dismissed
-- Suggestions the user dismissed for one persona and language.
SELECT kind, payload->>'value' AS value FROM voice_suggestions
 WHERE member_id = %(member)s AND persona = %(persona)s AND language = %(language)s AND status = 'dismissed';

-- name: upsert_suggestion
-- A new suggestion, or fresh evidence for a pending one (no row back when nothing changed).
INSERT INTO voice_suggestions (member_id, persona, language, kind, subject, payload, evidence)
VALUES (%(member)s, %(persona)s, %(language)s, %(kind)s, %(subject)s, %(payload)s, %(evidence)s)
ON CONFLICT (member_id, persona, language, kind, subject) WHERE status = 'pending'
DO UPDATE SET payload = EXCLUDED.payload, evidence = EXCLUDED.evidence, updated_at = now()
        WHERE voice_suggestions.payload IS DISTINCT FROM EXCLUDED.payload
RETURNING id, persona, language, kind, payload->>'value' AS value, (payload->>'target_words')::int AS target_words,
          payload->>'reason' AS reason, evidence, status, created_at, decided_at;

-- name: list_suggestions
-- The member's suggestions (optionally of one status and persona), oldest first.
SELECT id, persona, language, kind, payload->>'value' AS value, (payload->>'target_words')::int AS target_words,
       payload->>'reason' AS reason, evidence, status, created_at, decided_at
  FROM voice_suggestions
 WHERE member_id = %(member)s
   AND (%(status)s::text IS NULL OR status = %(status)s)
   AND (%(persona)s::text IS NULL OR persona = %(persona)s)
 ORDER BY id;

-- name: lock_pending
-- One pending suggestion, locked while it is applied.
SELECT id, persona, language, kind, payload->>'value' AS value, (payload->>'target_words')::int AS target_words,
       payload->>'reason' AS reason, evidence, status, created_at, decided_at
  FROM voice_suggestions
 WHERE member_id = %(member)s AND id = %(id)s AND status = 'pending' FOR UPDATE;

-- name: decide
-- Accept or dismiss a pending suggestion.
UPDATE voice_suggestions SET status = %(status)s, decided_at = now(), updated_at = now()
 WHERE member_id = %(member)s AND id = %(id)s AND status = 'pending'
RETURNING id, persona, language, kind, payload->>'value' AS value, (payload->>'target_words')::int AS target_words,
          payload->>'reason' AS reason, evidence, status, created_at, decided_at;

-- name: edit_history
-- Every edit of the member, oldest first, with the Monday of its week in the member's zone.
SELECT persona, language, edit_ratio, naturalness_before, naturalness_after,
       date_trunc('week', created_at AT TIME ZONE %(zone)s)::date AS week
  FROM draft_edits WHERE member_id = %(member)s
 ORDER BY created_at, id;

-- name: add_sample
-- One imported text of the member's own writing; the same text again is skipped (no row back).
INSERT INTO voice_samples (member_id, persona, language, source, origin, body, body_hash)
VALUES (%(member)s, %(persona)s, %(language)s, %(source)s, %(origin)s, %(body)s, %(hash)s)
ON CONFLICT (member_id, persona, language, body_hash) DO NOTHING
RETURNING id;

-- name: sample_texts
-- The member's imported texts for one persona and language, newest first.
SELECT body FROM voice_samples
 WHERE member_id = %(member)s AND persona = %(persona)s AND language = %(language)s
 ORDER BY created_at DESC, id DESC LIMIT %(limit)s;

-- name: published_texts
-- The text of the member's published posts in one persona and language (all parts), newest first.
SELECT (SELECT string_agg(part->>'text', E'\n\n') FROM jsonb_array_elements(t.rendering->'parts') AS part) AS body
  FROM post_targets t JOIN posts p ON p.id = t.post_id
 WHERE p.member_id = %(member)s AND t.member_id = %(member)s AND p.persona = %(persona)s
   AND p.language = %(language)s AND t.status = 'published'
 ORDER BY t.published_at DESC NULLS LAST, t.id LIMIT %(limit)s;

-- name: save_baseline
-- Store (or replace) the baseline of one persona and language.
INSERT INTO voice_baselines (member_id, persona, language, baseline, samples, posts, updated_at)
VALUES (%(member)s, %(persona)s, %(language)s, %(baseline)s, %(samples)s, %(posts)s, now())
ON CONFLICT (member_id, persona, language)
DO UPDATE SET baseline = EXCLUDED.baseline, samples = EXCLUDED.samples, posts = EXCLUDED.posts, updated_at = now();

-- name: stored_baseline
-- The stored baseline of one persona and language.
SELECT baseline, samples, posts, updated_at FROM voice_baselines
 WHERE member_id = %(member)s AND persona = %(persona)s AND language = %(language)s;

-- name: published_count
-- How many posts of one persona and language the member has published and the newest publication (a
-- stored baseline counting fewer, or stored before that publication, is stale).
SELECT count(*) AS n, max(t.published_at) AS newest FROM post_targets t JOIN posts p ON p.id = t.post_id
 WHERE p.member_id = %(member)s AND t.member_id = %(member)s AND p.persona = %(persona)s
   AND p.language = %(language)s AND t.status = 'published';
