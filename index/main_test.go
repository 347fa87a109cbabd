package index_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package on a leaked goroutine: an index that is not
// closed leaves bleve's merger and persister running. bleve's analysis
// workers are one pool per process, started when bleve loads.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
