package web

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser looks for Chromium. Without one the browser tests skip, but
// under CI=true they fail: CI installs chromium, so a missing browser there
// is a broken pipeline, not a reason to pass.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (looked for chromium, chromium-browser, google-chrome, headless-shell) and CI=true: install it with apt-get install chromium")
	}
	t.Skip("no Chromium found; install it with `apt-get install chromium` to run the browser tests")
	return ""
}

// newBrowser starts a headless browser tab for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// waitFor evaluates a JavaScript predicate until it is true. Unlike
// chromedp.Poll it survives the navigations a click or a submit starts.
func waitFor(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("q").value + " | " + document.getElementById("suggestions").innerHTML`))
			t.Logf("debug: %s", dbg)
			t.Fatalf("waiting for %s (%s): timed out at %s (last error %v)", what, predicate, loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clearBox empties the search box.
var clearBox = chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""`)

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := t.TempDir()
	// OPED_SCREENSHOTS keeps the pictures for a person to look at.
	if keep := os.Getenv("OPED_SCREENSHOTS"); keep != "" {
		dir = keep
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

func TestBrowserSearchFacetArticle(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t, append(loadFixtureArticles(t), fillerArticles(12)...), Config{})
	ts := httptest.NewServer(f.srv)
	defer ts.Close()

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("q"))); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, ctx, `document.querySelector("#results-h").textContent`); !strings.Contains(got, "22 articles") {
		t.Errorf("browse heading %q, want 22 articles", got)
	}
	screenshot(t, ctx, "browse.png")

	// "/" jumps to the search box: proof that app.js runs under the CSP.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("/")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the / shortcut to focus the search box", `document.activeElement && document.activeElement.id === "q"`)

	// Suggestions arrive as the user types. (chromedp sends the "/" key's
	// character as a separate event that the keydown handler cannot cancel,
	// so the box is cleared first; a real keyboard types no "/".)
	if err := chromedp.Do(ctx, clearBox, chromedp.SendKeys(chromedp.ID("q"), "volk")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "author suggestion", `[...document.querySelectorAll("#suggestions option")].some(o => o.value === 'author:"Irina Volkova"')`)

	// Type a query and submit with Enter.
	if err := chromedp.Do(ctx, clearBox, chromedp.SendKeys(chromedp.ID("q"), "korea\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the results page", `location.search.includes("q=korea") && document.readyState === "complete"`)
	if got := evalString(t, ctx, `document.querySelector("#results-h").textContent`); !strings.Contains(got, "2 results for korea") {
		t.Errorf("results heading %q, want 2 results for korea", strings.Join(strings.Fields(got), " "))
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll("ol.hits mark").length)`); n == "0" {
		t.Error("no highlighted words in the snippets")
	}

	// Tick a facet: the author Irina Volkova.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#facet-author-h ~ ul a.facet-value[href*="author=Irina"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the author facet to apply", `location.search.includes("author=Irina") && document.readyState === "complete"`)
	if got := evalString(t, ctx, `document.querySelector("#results-h").textContent`); !strings.Contains(got, "1 result for korea") {
		t.Errorf("after ticking the author: heading %q", strings.Join(strings.Fields(got), " "))
	}
	if got := evalString(t, ctx, `document.querySelector(".chips").textContent`); !strings.Contains(got, "Author: Irina Volkova") {
		t.Errorf("selected-filter chip %q", got)
	}
	screenshot(t, ctx, "search.png")

	// Follow the result to its article page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`ol.hits .hit-title a`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the article page", `location.pathname === "/articles/mt-korea-2017" && document.readyState === "complete"`)
	if got := evalString(t, ctx, `document.querySelector("article h1").textContent`); got != "Why the Kremlin Watches Pyongyang Closely (Op-ed)" {
		t.Errorf("article title %q", got)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll(".body p").length)`); n != "3" {
		t.Errorf("%s paragraphs, want 3", n)
	}
	screenshot(t, ctx, "article.png")

	// Escaping holds in a real browser too: the hostile article runs no
	// script and shows its title as text.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/articles/mt-xss-2016"), chromedp.WaitVisible(chromedp.CSS("article h1"))); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, ctx, `document.querySelector("article h1").textContent`); got != "<script>alert(1)</script> Strange Headlines" {
		t.Errorf("hostile title rendered as %q", got)
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll("article script, article img, article iframe, article svg").length)`); n != "0" {
		t.Errorf("%s executable elements inside the article", n)
	}
}

func TestBrowserPhoneLayout(t *testing.T) {
	ctx := newBrowser(t)
	f := sharedFixture(t)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(ts.URL+"/?q=sanctions"),
		chromedp.WaitVisible(chromedp.CSS("ol.hits")),
	); err != nil {
		t.Fatal(err)
	}
	// On a phone the filters start folded so the results come first, and
	// nothing is wider than the screen.
	waitFor(t, ctx, "folded filters", `!document.querySelector("details.filters").open`)
	if w := evalString(t, ctx, `String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("page is %spx wide on a 390px screen", w)
	}
	screenshot(t, ctx, "phone.png")
}
