-- Full-text search over tasks, projects and comments: a STORED generated `tsvector` column per
-- table with a GIN index. PostgreSQL computes the column in the statement that writes the row,
-- so the index is current in the same transaction; existing rows are filled by the ALTER itself.
--
-- The 'simple' configuration lowercases without stemming or stop words: the content is in any
-- language, and a prefix query ("logi" → "login") must see the words as written. Weights: A for
-- title or name, B for description or comment text (store/search.rs ranks A ten times higher).
--
-- Adding an entity (chat messages, clients, invoices) is a new migration: the same column and
-- index on its table, and a branch in store/search.rs.

ALTER TABLE tasks ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'B')
) STORED;
CREATE INDEX tasks_search ON tasks USING GIN (search_vector);

ALTER TABLE projects ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'B')
) STORED;
CREATE INDEX projects_search ON projects USING GIN (search_vector);

ALTER TABLE task_comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B')
) STORED;
CREATE INDEX task_comments_search ON task_comments USING GIN (search_vector);
