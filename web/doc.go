// Package web serves oped over HTTP: a server-rendered search UI for people
// and a versioned JSON API (/api/v1) for scripts, both backed by the search
// index and the archive.
//
// The server owns the index for as long as it runs (bleve admits one
// process), so it also follows the archive: a goroutine polls the archive's
// change sequence and catches the index up, which makes articles written by
// `oped import` or a cron `oped crawl` in another process searchable within
// seconds.
//
// web imports index and archive; nothing of oped's imports web except cmd.
package web
