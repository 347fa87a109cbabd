-- Articles in their current state. doc is the article as JSON; the columns
-- beside it are the ones queried directly. seq is the change sequence that
-- followers (the search index) catch up from.
CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    site         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    doc          TEXT NOT NULL,
    version      INTEGER NOT NULL,
    seq          INTEGER NOT NULL UNIQUE,
    published    TEXT NOT NULL DEFAULT '', -- UTC RFC 3339, '' when unknown
    first_seen   TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    changed      TEXT NOT NULL DEFAULT '', -- fields that differ from the previous version
    original_key TEXT NOT NULL DEFAULT ''  -- CanonicalKey of original_url, to find reprints of an original
);
CREATE INDEX articles_original_key ON articles (original_key) WHERE original_key <> '';
CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_site ON articles (site);

-- The contents an article had before its current one (which is in
-- articles): an article that never changed costs no second copy.
CREATE TABLE versions (
    article_id   TEXT NOT NULL REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    n            INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    doc          TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    changed      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, n)
);

-- The current authors of each article, for author queries in portable SQL.
CREATE TABLE article_authors (
    article_id TEXT NOT NULL REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    author     TEXT NOT NULL,
    PRIMARY KEY (article_id, author)
);
CREATE INDEX article_authors_author ON article_authors (author);
