-- Full-text search over chat messages and clients, the same way as 0004_search.sql: triggers
-- writing `search_docs` (a new `entity_type`) and `search_index`, and a backfill.
--
-- Chat messages: body = content; the title column stays empty (results show the channel's name,
-- read at query time, so renaming a channel needs no reindexing). Visibility (org-wide channels
-- for every member, others for their members only) is enforced by the query in store/search.rs.
-- Clients: title = name, body = e-mail and notes.

CREATE TRIGGER chat_messages_search_insert AFTER INSERT ON chat_messages BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('chat_message', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), '', new.content);
END;
CREATE TRIGGER chat_messages_search_update AFTER UPDATE OF content ON chat_messages BEGIN
    UPDATE search_index SET body = new.content
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER chat_messages_search_delete AFTER DELETE ON chat_messages BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;

CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('client', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), new.name,
                coalesce(new.email, '') || ' ' || coalesce(new.notes, ''));
END;
CREATE TRIGGER clients_search_update AFTER UPDATE OF name, email, notes ON clients BEGIN
    UPDATE search_index SET title = new.name, body = coalesce(new.email, '') || ' ' || coalesce(new.notes, '')
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;

-- Backfill what existed before this migration.
INSERT INTO search_docs (entity_type, entity_id, org_id) SELECT 'chat_message', id, org_id FROM chat_messages;
INSERT INTO search_docs (entity_type, entity_id, org_id) SELECT 'client', id, org_id FROM clients;
INSERT INTO search_index (rowid, title, body)
    SELECT d.doc_id, '', m.content FROM search_docs d JOIN chat_messages m ON m.id = d.entity_id;
INSERT INTO search_index (rowid, title, body)
    SELECT d.doc_id, c.name, coalesce(c.email, '') || ' ' || coalesce(c.notes, '')
    FROM search_docs d JOIN clients c ON c.id = d.entity_id;
