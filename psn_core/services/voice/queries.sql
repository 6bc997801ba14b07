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
