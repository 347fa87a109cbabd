package textdump

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/oped/oped/archive"
)

// Putter stores articles; *archive.Store is one.
type Putter interface {
	PutBatch(ctx context.Context, articles []*archive.Article) ([]archive.PutResult, error)
}

// Summary counts what an import did.
type Summary struct {
	Files     int
	Inserted  int
	Updated   int
	Unchanged int
	Failed    int
	Duration  time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("%d files: %d new, %d changed, %d unchanged, %d failed in %s",
		s.Files, s.Inserted, s.Updated, s.Unchanged, s.Failed, s.Duration.Round(time.Millisecond))
}

// Importer reads dump files into the archive in batches.
type Importer struct {
	Store     Putter
	BatchSize int // articles per transaction; default 500
	// OnError hears about each file that could not be imported; the import
	// goes on with the rest.
	OnError func(err error)
	// OnProgress is called after each file with the number done so far.
	OnProgress func(done int)
	// OnCommit is called for each new or changed article once its batch is
	// committed (the CLI links syndicated copies there). An error stops the
	// import; what was committed stays committed.
	OnCommit func(ctx context.Context, a *archive.Article) error
}

// MaxDumpSize bounds one dump file; real op-eds are a few tens of KiB.
const MaxDumpSize = 8 << 20

// StdinName is the path that means "read one dump from standard input".
const StdinName = "-"

// CollectFiles expands paths into the files to import: folders are walked
// recursively (hidden entries skipped), "-" stands for standard input. A
// path that cannot be read is reported in problems, like a bad file, and
// the others are still collected.
func CollectFiles(paths []string) (files []string, problems []error) {
	for _, p := range paths {
		if p == StdinName {
			files = append(files, p)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			problems = append(problems, fmt.Errorf("walk %s: %w", p, err))
		}
	}
	return files, problems
}

type parsed struct {
	article *archive.Article
	err     error
}

// Import parses files (in parallel: parsing is CPU work) and writes the
// articles in order, one transaction per batch. A file that fails is
// reported through OnError and counted; the rest still import. The error
// returned is the archive's, which stops the import: what was committed
// before stays committed.
func (im *Importer) Import(ctx context.Context, files []string, stdin io.Reader) (Summary, error) {
	start := time.Now()
	sum := Summary{Files: len(files)}
	batchSize := im.BatchSize
	if batchSize <= 0 {
		batchSize = 500
	}

	results := make([]chan parsed, len(files))
	for i := range results {
		results[i] = make(chan parsed, 1)
	}
	work := make(chan int)
	// ahead bounds how many parsed articles wait for the writer.
	ahead := make(chan struct{}, 2*batchSize)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		wg.Wait()
	}()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				a, err := im.parseFile(files[i], stdin)
				results[i] <- parsed{a, err}
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range files {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	batch := make([]*archive.Article, 0, batchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := im.Store.PutBatch(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range res {
			switch r.Outcome {
			case archive.Inserted:
				sum.Inserted++
			case archive.Updated:
				sum.Updated++
			default:
				sum.Unchanged++
				continue
			}
			if im.OnCommit != nil {
				if err := im.OnCommit(ctx, batch[i]); err != nil {
					return err
				}
			}
		}
		batch = batch[:0]
		return nil
	}
	for i := range files {
		var p parsed
		select {
		case p = <-results[i]:
			<-ahead
		case <-ctx.Done():
			sum.Duration = time.Since(start)
			return sum, ctx.Err()
		}
		if p.err != nil {
			sum.Failed++
			if im.OnError != nil {
				im.OnError(p.err)
			}
		} else {
			batch = append(batch, p.article)
			if len(batch) == batchSize {
				if err := flush(); err != nil {
					sum.Duration = time.Since(start)
					return sum, fmt.Errorf("import: %w", err)
				}
			}
		}
		if im.OnProgress != nil {
			im.OnProgress(i + 1)
		}
	}
	if err := flush(); err != nil {
		sum.Duration = time.Since(start)
		return sum, fmt.Errorf("import: %w", err)
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

func (im *Importer) parseFile(path string, stdin io.Reader) (*archive.Article, error) {
	var (
		data []byte
		err  error
		name = path
	)
	if path == StdinName {
		name = "<stdin>"
		data, err = io.ReadAll(io.LimitReader(stdin, MaxDumpSize+1))
	} else {
		data, err = readLimited(path)
	}
	if err != nil {
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	if len(data) > MaxDumpSize {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("larger than %d MiB, not an op-ed dump", MaxDumpSize>>20)}
	}
	return Parse(name, data)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxDumpSize+1))
}
