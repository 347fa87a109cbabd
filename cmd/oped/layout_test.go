package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/oped/oped"

// allowedDeps says which of oped's top-level packages each one may import
// (directly or not): cmd -> web -> index -> archive, cmd -> crawler ->
// archive. Nothing imports web or cmd. Subpackages belong to their top.
var allowedDeps = map[string][]string{
	"archive": {},
	"index":   {"archive"},
	"crawler": {"archive"},
	"web":     {"index", "archive"},
	"cmd":     {"web", "index", "crawler", "archive"},
}

func topOf(importPath string) string {
	rest := strings.TrimPrefix(importPath, module+"/")
	top, _, _ := strings.Cut(rest, "/")
	return top
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	packages := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		top := topOf(pkg)
		allowed, known := allowedDeps[top]
		if !known {
			t.Errorf("package %s is outside the fixed layout (cmd, web, index, crawler, archive)", pkg)
			continue
		}
		packages++
		for _, dep := range deps {
			if !strings.HasPrefix(dep, module+"/") {
				continue
			}
			depTop := topOf(dep)
			if depTop == top {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || a == depTop
			}
			if !ok {
				t.Errorf("%s imports %s: %s may import only %v", pkg, dep, top, allowed)
			}
		}
	}
	if packages < 5 {
		t.Errorf("checked only %d packages; is go list seeing the module?", packages)
	}
}
