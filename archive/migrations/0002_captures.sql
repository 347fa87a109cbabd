-- The crawler's state, one row per normalized URL: what it last fetched
-- there, where the response is kept (WARC file and offset), and when to
-- visit again. A row with an empty fetched_at is a URL discovered but not
-- fetched yet: the crawl frontier survives a killed run.
CREATE TABLE captures (
    url           TEXT PRIMARY KEY,
    site          TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- article, listing, feed, sitemap, page
    depth         INTEGER NOT NULL DEFAULT 0,
    status        INTEGER NOT NULL DEFAULT 0, -- HTTP status of the last full response
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    content_type  TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL DEFAULT '',   -- SHA-256 of the decoded body
    warc_file     TEXT NOT NULL DEFAULT '',
    warc_offset   INTEGER NOT NULL DEFAULT 0,
    first_fetched TEXT NOT NULL DEFAULT '',
    fetched_at    TEXT NOT NULL DEFAULT '',   -- last attempt, 304s included
    error         TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0, -- consecutive failed visits
    next_visit    TEXT NOT NULL DEFAULT '',
    article_id    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX captures_due ON captures (site, next_visit);
CREATE INDEX captures_article ON captures (article_id);
