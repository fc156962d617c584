-- relais schema v9: the search of the dashboard and of the API. A trigram index (FTS5) of each
-- request's reference, subject, sender, sender name and text finds three characters or more
-- anywhere in them, in any case, without reading every request. Triggers keep it, so that no
-- write path can forget it.
CREATE VIRTUAL TABLE requests_search USING fts5(
  reference, subject, sender, sender_name, text,
  content = 'requests', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO requests_search (requests_search) VALUES ('rebuild');
CREATE TRIGGER requests_search_insert AFTER INSERT ON requests BEGIN
  INSERT INTO requests_search (rowid, reference, subject, sender, sender_name, text)
  VALUES (new.id, new.reference, new.subject, new.sender, new.sender_name, new.text);
END;
CREATE TRIGGER requests_search_delete AFTER DELETE ON requests BEGIN
  INSERT INTO requests_search (requests_search, rowid, reference, subject, sender, sender_name, text)
  VALUES ('delete', old.id, old.reference, old.subject, old.sender, old.sender_name, old.text);
END;
CREATE TRIGGER requests_search_update
AFTER UPDATE OF reference, subject, sender, sender_name, text ON requests BEGIN
  INSERT INTO requests_search (requests_search, rowid, reference, subject, sender, sender_name, text)
  VALUES ('delete', old.id, old.reference, old.subject, old.sender, old.sender_name, old.text);
  INSERT INTO requests_search (rowid, reference, subject, sender, sender_name, text)
  VALUES (new.id, new.reference, new.subject, new.sender, new.sender_name, new.text);
END;
