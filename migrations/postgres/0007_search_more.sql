-- Full-text search over chat messages and clients, the same way as 0004_search.sql: a STORED
-- generated `search_vector` column with a GIN index on each table ('simple' configuration).
--
-- Chat messages: content only, weight B (results show the channel's name, read at query time).
-- Visibility (org-wide channels for every member, others for their members only) is enforced by
-- the query in store/search.rs. Clients: name weight A, e-mail and notes weight B.

ALTER TABLE chat_messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(content, '')), 'B')
) STORED;
CREATE INDEX chat_messages_search ON chat_messages USING GIN (search_vector);

ALTER TABLE clients ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(email, '') || ' ' || coalesce(notes, '')), 'B')
) STORED;
CREATE INDEX clients_search ON clients USING GIN (search_vector);
