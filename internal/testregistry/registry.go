// Package testregistry serves a cargo sparse registry on 127.0.0.1 for
// hermetic tests: an index with config.json, index lines with checksums,
// and .crate tarballs built from in-memory files. It logs every request, so
// tests can assert how many downloads happened and that none came from a
// build script.
package testregistry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// Dep is a dependency of a published crate.
type Dep struct {
	Name     string
	Req      string
	Kind     string // "normal" (default), "build" or "dev"
	Optional bool
}

// Crate is a crate version to publish. Files are relative to the package
// root; a Cargo.toml is generated unless Files has one.
type Crate struct {
	Name     string
	Version  string
	Deps     []Dep
	Files    map[string]string
	Features map[string][]string
}

// Registry is a running sparse registry.
type Registry struct {
	srv *httptest.Server
	// Addr is host:port of the server.
	Addr string

	mu       sync.Mutex
	index    map[string][]string // crate name -> index lines
	tarballs map[string][]byte   // "name/version" -> .crate
	log      []string
	authReq  bool
	auths    []string // Authorization headers received
}

// RequireAuth makes the registry demand a token (auth-required in
// config.json, 401 without one), as a private registry does; every
// Authorization header it receives is recorded.
func (r *Registry) RequireAuth() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.authReq = true
}

// Authorizations are the Authorization headers the registry received.
func (r *Registry) Authorizations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// Start serves an empty registry on 127.0.0.1. Close it when done.
func Start() *Registry {
	r := &Registry{index: map[string][]string{}, tarballs: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.Addr = strings.TrimPrefix(r.srv.URL, "http://")
	return r
}

// Close stops the server.
func (r *Registry) Close() { r.srv.Close() }

// URL is the registry's base URL.
func (r *Registry) URL() string { return r.srv.URL }

// IndexURL is the sparse index URL as cargo wants it.
func (r *Registry) IndexURL() string { return "sparse+" + r.srv.URL + "/index/" }

// CargoConfig is a CARGO_HOME config.toml that replaces crates.io with this
// registry.
func (r *Registry) CargoConfig() string {
	return fmt.Sprintf(`[source.crates-io]
replace-with = "airlock-test"

[source.airlock-test]
registry = %q

[net]
retry = 0
`, r.IndexURL())
}

// Requests returns the request log ("GET /index/…").
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// ResetLog clears the request log.
func (r *Registry) ResetLog() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = nil
}

// Publish adds a crate version.
func (r *Registry) Publish(c Crate) error {
	data, err := c.tarball()
	if err != nil {
		return fmt.Errorf("packing %s %s: %w", c.Name, c.Version, err)
	}
	sum := sha256.Sum256(data)
	deps := []map[string]any{}
	for _, d := range c.Deps {
		kind := d.Kind
		if kind == "" {
			kind = "normal"
		}
		deps = append(deps, map[string]any{
			"name": d.Name, "req": d.Req, "features": []string{}, "optional": d.Optional,
			"default_features": true, "target": nil, "kind": kind,
		})
	}
	features := c.Features
	if features == nil {
		features = map[string][]string{}
	}
	line, err := json.Marshal(map[string]any{
		"name": c.Name, "vers": c.Version, "deps": deps, "cksum": hex.EncodeToString(sum[:]),
		"features": features, "yanked": false,
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := strings.ToLower(c.Name)
	r.index[name] = append(r.index[name], string(line))
	r.tarballs[c.Name+"/"+c.Version] = data
	return nil
}

// manifest renders the package's Cargo.toml.
func (c Crate) manifest() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[package]\nname = %q\nversion = %q\nedition = \"2021\"\n", c.Name, c.Version)
	sections := map[string]string{"normal": "dependencies", "build": "build-dependencies", "dev": "dev-dependencies"}
	for _, kind := range []string{"normal", "build", "dev"} {
		var lines []string
		for _, d := range c.Deps {
			k := d.Kind
			if k == "" {
				k = "normal"
			}
			if k == kind {
				lines = append(lines, fmt.Sprintf("%s = { version = %q, optional = %v }", d.Name, d.Req, d.Optional))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n[%s]\n%s\n", sections[kind], strings.Join(lines, "\n"))
		}
	}
	if len(c.Features) > 0 {
		b.WriteString("\n[features]\n")
		keys := make([]string, 0, len(c.Features))
		for k := range c.Features {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			q, _ := json.Marshal(c.Features[k])
			fmt.Fprintf(&b, "%s = %s\n", k, q)
		}
	}
	return b.String()
}

// tarball builds the .crate: a gzipped tar with everything under NAME-VERSION/.
func (c Crate) tarball() ([]byte, error) {
	files := map[string]string{}
	for k, v := range c.Files {
		files[k] = v
	}
	if _, ok := files["Cargo.toml"]; !ok {
		files["Cargo.toml"] = c.manifest()
	}
	if _, ok := files["src/lib.rs"]; !ok {
		if _, bin := files["src/main.rs"]; !bin {
			files["src/lib.rs"] = ""
		}
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	prefix := c.Name + "-" + c.Version
	for _, n := range names {
		body := []byte(files[n])
		hdr := &tar.Header{Name: path.Join(prefix, n), Mode: 0o644, Size: int64(len(body)),
			ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	auth := req.Header.Get("Authorization")
	r.mu.Lock()
	r.log = append(r.log, req.Method+" "+req.URL.Path)
	if auth != "" {
		r.auths = append(r.auths, auth)
	}
	authReq := r.authReq
	r.mu.Unlock()
	p := req.URL.Path
	if authReq && auth == "" && p != "/index/config.json" && p != "/api/v1/crates/new" {
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	switch {
	case req.Method == http.MethodPut && p == "/api/v1/crates/new":
		r.publishUpload(w, req)
	case p == "/index/config.json":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"dl": "%s/dl/{crate}/{version}", "api": "%s", "auth-required": %v}`, r.srv.URL, r.srv.URL, authReq)
	case strings.HasPrefix(p, "/index/"):
		name := path.Base(p)
		r.mu.Lock()
		lines, ok := r.index[strings.ToLower(name)]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		fmt.Fprint(w, strings.Join(lines, "\n")+"\n")
	case strings.HasPrefix(p, "/dl/"):
		parts := strings.Split(strings.TrimPrefix(p, "/dl/"), "/")
		if len(parts) != 2 {
			http.NotFound(w, req)
			return
		}
		r.mu.Lock()
		data, ok := r.tarballs[parts[0]+"/"+parts[1]]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(data)
	default:
		http.NotFound(w, req)
	}
}

// Checksum returns the cksum of a published crate version, for lock files
// written by tests.
func (r *Registry) Checksum(name, version string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := sha256.Sum256(r.tarballs[name+"/"+version])
	return hex.EncodeToString(sum[:])
}

// Token is the API token the registry accepts for uploads.
const Token = "airlock-test-token"

// publishUpload implements cargo's publish API: a little-endian length and
// JSON metadata, then a length and the .crate.
func (r *Registry) publishUpload(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Authorization") != Token {
		http.Error(w, `{"errors":[{"detail":"bad token"}]}`, http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	if err != nil || len(body) < 8 {
		http.Error(w, "short body", http.StatusBadRequest)
		return
	}
	n := binary.LittleEndian.Uint32(body[:4])
	if int(n)+8 > len(body) {
		http.Error(w, "bad metadata length", http.StatusBadRequest)
		return
	}
	var meta struct {
		Name     string              `json:"name"`
		Vers     string              `json:"vers"`
		Features map[string][]string `json:"features"`
	}
	if err := json.Unmarshal(body[4:4+n], &meta); err != nil {
		http.Error(w, "bad metadata", http.StatusBadRequest)
		return
	}
	rest := body[4+n:]
	m := binary.LittleEndian.Uint32(rest[:4])
	if int(m)+4 > len(rest) {
		http.Error(w, "bad crate length", http.StatusBadRequest)
		return
	}
	crate := rest[4 : 4+m]
	sum := sha256.Sum256(crate)
	if meta.Features == nil {
		meta.Features = map[string][]string{}
	}
	line, _ := json.Marshal(map[string]any{"name": meta.Name, "vers": meta.Vers, "deps": []any{},
		"cksum": hex.EncodeToString(sum[:]), "features": meta.Features, "yanked": false})
	r.mu.Lock()
	name := strings.ToLower(meta.Name)
	r.index[name] = append(r.index[name], string(line))
	r.tarballs[meta.Name+"/"+meta.Vers] = append([]byte(nil), crate...)
	r.mu.Unlock()
	fmt.Fprint(w, `{"warnings":{"invalid_categories":[],"invalid_badges":[],"other":[]}}`)
}
