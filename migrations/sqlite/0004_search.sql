-- Full-text search over tasks, projects and comments, kept current by triggers.
--
-- `search_docs` maps each indexed entity to a row of the FTS5 table `search_index` (same rowid), so
-- that a change finds its index row through a primary-key lookup instead of scanning the index.
-- Entity ids are unique across types (their prefix names the type). The triggers run inside the
-- statement that changes the row, hence inside its transaction: the index is never behind.
--
-- Columns: `title` (task title, project name; empty for comments) and `body` (description,
-- comment text). Queries weight `title` above `body` (see store/search.rs).
--
-- Adding an entity (chat messages, clients, invoices) is a new migration: three triggers like
-- the ones below with its own `entity_type`, a backfill, and a branch in store/search.rs.

CREATE TABLE search_docs (
    doc_id      INTEGER PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL UNIQUE,
    org_id      TEXT NOT NULL
);

CREATE VIRTUAL TABLE search_index USING fts5(
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Tasks: title and description.
CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('task', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), new.title, coalesce(new.description, ''));
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description ON tasks BEGIN
    UPDATE search_index SET title = new.title, body = coalesce(new.description, '')
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;

-- Projects: name and description.
CREATE TRIGGER projects_search_insert AFTER INSERT ON projects BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('project', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), new.name, coalesce(new.description, ''));
END;
CREATE TRIGGER projects_search_update AFTER UPDATE OF name, description ON projects BEGIN
    UPDATE search_index SET title = new.name, body = coalesce(new.description, '')
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER projects_search_delete AFTER DELETE ON projects BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;

-- Comments: body only (results show the task's title).
CREATE TRIGGER task_comments_search_insert AFTER INSERT ON task_comments BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('comment', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), '', new.body);
END;
CREATE TRIGGER task_comments_search_update AFTER UPDATE OF body ON task_comments BEGIN
    UPDATE search_index SET body = new.body
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER task_comments_search_delete AFTER DELETE ON task_comments BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;

-- Backfill what existed before this migration.
INSERT INTO search_docs (entity_type, entity_id, org_id) SELECT 'task', id, org_id FROM tasks;
INSERT INTO search_docs (entity_type, entity_id, org_id) SELECT 'project', id, org_id FROM projects;
INSERT INTO search_docs (entity_type, entity_id, org_id) SELECT 'comment', id, org_id FROM task_comments;
INSERT INTO search_index (rowid, title, body)
    SELECT d.doc_id, t.title, coalesce(t.description, '') FROM search_docs d JOIN tasks t ON t.id = d.entity_id;
INSERT INTO search_index (rowid, title, body)
    SELECT d.doc_id, p.name, coalesce(p.description, '') FROM search_docs d JOIN projects p ON p.id = d.entity_id;
INSERT INTO search_index (rowid, title, body)
    SELECT d.doc_id, '', c.body FROM search_docs d JOIN task_comments c ON c.id = d.entity_id;
