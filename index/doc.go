// Package index is oped's full-text search: a bleve (scorch) index derived
// from the archive, the user query language, facets, snippets and
// suggestions.
//
// The index is disposable. It records the archive change sequence it has
// caught up to and indexes only what changed since; a missing, damaged or
// outdated index is rebuilt from the archive. Only one process can hold it
// (bleve takes a file lock), so commands that merely write the archive
// leave indexing to whoever opens the index next.
package index
