package web

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The OpenAPI document is written by hand; these tests keep it honest
// against the routes and the real responses.

func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	var spec map[string]any
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if v, _ := spec["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi version %q, want 3.x", v)
	}
	return spec
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	f := sharedFixture(t)
	spec := loadSpec(t)
	paths := spec["paths"].(map[string]any)
	routed := map[string]bool{}
	for _, r := range f.srv.Routes() {
		routed[r.Method+" "+r.Path] = true
	}
	for p, item := range paths {
		for method := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + pathParam.ReplaceAllString(p, ":$1")
			if !routed[key] {
				t.Errorf("spec documents %s %s, which is not routed", method, p)
			}
		}
	}
	// Every API route is documented.
	for _, r := range f.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && r.Path != "/healthz" && r.Path != "/readyz" {
			continue
		}
		specPath := regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}")
		item, ok := paths[specPath].(map[string]any)
		if !ok || item[strings.ToLower(r.Method)] == nil {
			t.Errorf("route %s %s is not in the spec", r.Method, r.Path)
		}
	}
	rec := get(t, f.srv, "/api/openapi.json")
	if rec.Code != 200 || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("GET /api/openapi.json: %d", rec.Code)
	}
}

func TestOpenAPIResponsesMatchSpec(t *testing.T) {
	f := sharedFixture(t)
	spec := loadSpec(t)
	tests := []struct {
		specPath string
		target   string
		status   int
	}{
		{"/api/v1/search", "/api/v1/search?q=korea&site=The Moscow Times", 200},
		{"/api/v1/search", "/api/v1/search", 200},
		{"/api/v1/search", "/api/v1/search?q=zeppelin", 200},
		{"/api/v1/search", "/api/v1/search?q=glacier&size=3", 200},
		{"/api/v1/search", "/api/v1/search?sort=sideways", 400},
		{"/api/v1/articles/{id}", "/api/v1/articles/mt-elites-2021", 200},
		{"/api/v1/articles/{id}", "/api/v1/articles/wc-elites-2021", 200},
		{"/api/v1/articles/{id}", "/api/v1/articles/mt-xss-2016", 200},
		{"/api/v1/articles/{id}", "/api/v1/articles/nope", 404},
		{"/api/v1/articles/{id}/versions/{n}", "/api/v1/articles/mt-korea-2017/versions/1", 200},
		{"/api/v1/articles/{id}/versions/{n}", "/api/v1/articles/mt-korea-2017/versions/one", 400},
		{"/api/v1/articles/{id}/versions/{n}", "/api/v1/articles/mt-korea-2017/versions/9", 404},
		{"/api/v1/suggest", "/api/v1/suggest?q=ir", 200},
		{"/api/v1/suggest", "/api/v1/suggest?q=a&n=0", 400},
		{"/api/v1/stats", "/api/v1/stats", 200},
		{"/healthz", "/healthz", 200},
		{"/readyz", "/readyz", 200},
		{"/api/openapi.json", "/api/openapi.json", 200},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			rec := get(t, f.srv, tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			schema := responseSchema(t, spec, tc.specPath, tc.status)
			var doc any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, problem := range validate(spec, schema, doc, "$") {
				t.Error(problem)
			}
		})
	}
}

func responseSchema(t *testing.T, spec map[string]any, path string, status int) map[string]any {
	t.Helper()
	op, ok := dig(spec, "paths", path, "get").(map[string]any)
	if !ok {
		t.Fatalf("spec has no GET %s", path)
	}
	resp, ok := dig(op, "responses", strconv.Itoa(status)).(map[string]any)
	if !ok {
		t.Fatalf("spec has no %d response for GET %s", status, path)
	}
	resp = resolve(spec, resp)
	schema, ok := dig(resp, "content", "application/json", "schema").(map[string]any)
	if !ok {
		t.Fatalf("spec: GET %s %d has no JSON schema", path, status)
	}
	return schema
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func resolve(spec, node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		keys := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
		next, ok := dig(spec, keys...).(map[string]any)
		if !ok {
			panic("openapi.json: dangling $ref " + ref)
		}
		node = next
	}
}

// validate checks doc against the subset of JSON Schema the spec uses:
// $ref, allOf, type, nullable, required, properties, additionalProperties,
// items, enum.
func validate(spec, schema map[string]any, doc any, at string) []string {
	schema = resolve(spec, schema)
	var problems []string
	if all, ok := schema["allOf"].([]any); ok {
		// Merge the parts, so one part's properties are not "undocumented"
		// to another.
		merged := map[string]any{"type": "object", "properties": map[string]any{}}
		var required []any
		for _, part := range all {
			ps := resolve(spec, part.(map[string]any))
			for k, v := range ps["properties"].(map[string]any) {
				merged["properties"].(map[string]any)[k] = v
			}
			required = append(required, asSlice(ps["required"])...)
		}
		merged["required"] = required
		return validate(spec, merged, doc, at)
	}
	if doc == nil {
		if n, _ := schema["nullable"].(bool); n || schema["type"] == nil {
			return nil
		}
		return []string{fmt.Sprintf("%s: null, but the spec does not allow null", at)}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, doc) {
		problems = append(problems, fmt.Sprintf("%s: %v not in %v", at, doc, enum))
	}
	switch schema["type"] {
	case "object":
		obj, ok := doc.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", at, doc)}
		}
		for _, r := range asSlice(schema["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s: required property %q missing", at, r))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, v := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				problems = append(problems, validate(spec, ps, v, at+"."+k)...)
			} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
				problems = append(problems, validate(spec, ap, v, at+"."+k)...)
			} else if props != nil && schema["additionalProperties"] != nil {
				problems = append(problems, fmt.Sprintf("%s: property %q not in the spec", at, k))
			} else if props != nil {
				problems = append(problems, fmt.Sprintf("%s: undocumented property %q", at, k))
			}
		}
	case "array":
		arr, ok := doc.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", at, doc)}
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				problems = append(problems, validate(spec, items, v, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "string":
		if _, ok := doc.(string); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want string", at, doc))
		}
	case "integer":
		if n, ok := doc.(float64); !ok || n != float64(int64(n)) {
			problems = append(problems, fmt.Sprintf("%s: %v, want integer", at, doc))
		}
	case "number":
		if _, ok := doc.(float64); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want number", at, doc))
		}
	case "boolean":
		if _, ok := doc.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: %T, want boolean", at, doc))
		}
	}
	return problems
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
