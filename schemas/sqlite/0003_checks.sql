-- relais schema v3: what the agent declared beside the text (people shown, their consent, the
-- event's date, the networks wished), and the referent's overrides of findings, each with its
-- reason. Both are JSON, read and written whole with the request.
ALTER TABLE requests ADD COLUMN declaration TEXT NOT NULL DEFAULT '{}';
ALTER TABLE requests ADD COLUMN overrides TEXT NOT NULL DEFAULT '[]';
