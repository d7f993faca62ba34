package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Proxy sits between an editor and a language server.
type Proxy struct {
	// EditorIn/EditorOut are the editor's side (airlock's stdin/stdout).
	EditorIn  io.Reader
	EditorOut io.Writer
	// ServerIn/ServerOut are the server's stdin (written) and stdout (read).
	ServerIn  io.WriteCloser
	ServerOut io.Reader
	// Roots are the directories whose manifests are watched.
	Roots []string
	// Refetch runs the fetch phase after a manifest changed. It returns an
	// error to show the user; the server is asked to reload either way.
	Refetch func() error
	// Warnings are shown to the user (window/showMessage) once the server
	// answered initialize.
	Warnings []string
	// Debounce waits for edits to settle before fetching.
	Debounce time.Duration
	// PollInterval is how often manifests are checked for changes on disk
	// (0: no polling).
	PollInterval time.Duration

	editor, server *Writer
	mu             sync.Mutex
	nextID         int
	progress       bool // the editor supports window/workDoneProgress
	initID         string
	trigger        chan struct{}
	reloads        int
	lastSnap       string
	refused        map[string]bool // server request methods refused so far
}

// Reloads is how many reloads the proxy asked the server for (for tests).
func (p *Proxy) Reloads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reloads
}

// Run proxies until the editor closes its input and the server its output.
func (p *Proxy) Run() error {
	p.editor, p.server = NewWriter(p.EditorOut), NewWriter(p.ServerIn)
	p.trigger = make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go p.refetchLoop(done)
	if p.PollInterval > 0 {
		go p.poll(done)
	}
	fromEditor := make(chan error, 1)
	go func() { fromEditor <- p.editorToServer() }()
	err := p.serverToEditor()
	<-fromEditor
	return err
}

// ours says whether a JSON-RPC id is one the proxy itself issued.
func ours(id json.RawMessage) bool { return strings.HasPrefix(string(id), `"airlock-`) }

func (p *Proxy) newID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	return fmt.Sprintf("airlock-%d", p.nextID)
}

// pump forwards messages from r to w until EOF, dropping answers to the
// proxy's own requests. before (may be nil) sees every message and decides
// whether it is forwarded; after (may be nil) sees every forwarded one.
func pump(r io.Reader, w *Writer, before func(envelope, []byte) bool, after func(envelope)) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		m, err := ReadMessage(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		env := peek(m.Body)
		if env.Method == "" && ours(env.ID) {
			continue // an answer to the proxy's own request
		}
		if before != nil && !before(env, m.Body) {
			continue
		}
		if err := w.Write(m); err != nil {
			return err
		}
		if after != nil {
			after(env)
		}
	}
}

func (p *Proxy) editorToServer() error {
	defer p.ServerIn.Close()
	return pump(p.EditorIn, p.server, func(env envelope, _ []byte) bool { p.watch(env); return true }, nil)
}

func (p *Proxy) serverToEditor() error {
	return pump(p.ServerOut, p.editor, p.allowToEditor, p.afterServerMessage)
}

// serverRequests are the requests a language server may send the editor
// through airlock: progress, configuration, registrations and refreshes.
// Requests that make the editor act on the host (workspace/applyEdit writes
// files, window/showDocument opens URLs) or that airlock does not know are
// refused: project code in the sandbox can inject messages into the
// server's output, and rust-analyzer sends none of those.
var serverRequests = map[string]bool{
	"window/showMessageRequest":             true,
	"window/workDoneProgress/create":        true,
	"workspace/configuration":               true,
	"workspace/workspaceFolders":            true,
	"client/registerCapability":             true,
	"client/unregisterCapability":           true,
	"workspace/semanticTokens/refresh":      true,
	"workspace/codeLens/refresh":            true,
	"workspace/inlayHint/refresh":           true,
	"workspace/inlineValue/refresh":         true,
	"workspace/diagnostic/refresh":          true,
	"workspace/foldingRange/refresh":        true,
	"workspace/textDocumentContent/refresh": true,
}

// allowToEditor decides whether a server message reaches the editor. A
// refused request is dropped unanswered: rust-analyzer never sends one, so
// it was forged, and an answer to a request the server did not make would
// crash it. The user is told once per method.
func (p *Proxy) allowToEditor(env envelope, body []byte) bool {
	if !isObject(body) {
		return false // batches and garbage: LSP servers send single objects
	}
	if env.Method == "" || len(env.ID) == 0 || serverRequests[env.Method] {
		return true
	}
	p.mu.Lock()
	first := !p.refused[env.Method]
	if p.refused == nil {
		p.refused = map[string]bool{}
	}
	p.refused[env.Method] = true
	p.mu.Unlock()
	if first {
		p.showMessage(2, "airlock: refused a "+env.Method+" request from the sandboxed language server (project code may have forged it)")
	}
	return false
}

func isObject(body []byte) bool {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// afterServerMessage shows airlock's warnings once the server has answered
// initialize, when the editor is ready for them.
func (p *Proxy) afterServerMessage(env envelope) {
	p.mu.Lock()
	answered := p.initID != "" && env.Method == "" && string(env.ID) == p.initID
	if answered {
		p.initID = ""
	}
	p.mu.Unlock()
	if answered {
		for _, w := range p.Warnings {
			p.showMessage(2, w)
		}
	}
}

// watch looks at an editor message for what concerns airlock.
func (p *Proxy) watch(env envelope) {
	switch env.Method {
	case "initialize":
		var params struct {
			RootURI          string `json:"rootUri"`
			WorkspaceFolders []struct {
				URI string `json:"uri"`
			} `json:"workspaceFolders"`
			Capabilities struct {
				Window struct {
					WorkDoneProgress bool `json:"workDoneProgress"`
				} `json:"window"`
			} `json:"capabilities"`
		}
		_ = json.Unmarshal(env.Params, &params)
		p.mu.Lock()
		p.initID = string(env.ID)
		p.progress = params.Capabilities.Window.WorkDoneProgress
		for _, u := range append([]string{params.RootURI}, folderURIs(params.WorkspaceFolders)...) {
			if dir := uriPath(u); dir != "" && !slices.Contains(p.Roots, dir) {
				p.Roots = append(p.Roots, dir)
			}
		}
		p.mu.Unlock()
	case "textDocument/didSave":
		var params struct {
			TextDocument struct {
				URI string `json:"uri"`
			} `json:"textDocument"`
		}
		_ = json.Unmarshal(env.Params, &params)
		p.consider(uriPath(params.TextDocument.URI))
	case "workspace/didChangeWatchedFiles":
		var params struct {
			Changes []struct {
				URI string `json:"uri"`
			} `json:"changes"`
		}
		_ = json.Unmarshal(env.Params, &params)
		for _, c := range params.Changes {
			p.consider(uriPath(c.URI))
		}
	}
}

func folderURIs(fs []struct {
	URI string `json:"uri"`
}) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.URI
	}
	return out
}

// IsDependencyFile says whether a path is a file whose change can need a
// fetch: a manifest, a lock file, or cargo configuration.
func IsDependencyFile(path string) bool {
	base := filepath.Base(path)
	switch base {
	case "Cargo.toml", "Cargo.lock":
		return true
	case "config", "config.toml":
		return filepath.Base(filepath.Dir(path)) == ".cargo"
	}
	return false
}

func (p *Proxy) consider(path string) {
	if path == "" || !IsDependencyFile(path) {
		return
	}
	p.mu.Lock()
	inRoot := len(p.Roots) == 0
	for _, r := range p.Roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			inRoot = true
		}
	}
	p.mu.Unlock()
	if inRoot {
		p.kick()
	}
}

func (p *Proxy) kick() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

func uriPath(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "file" {
		return ""
	}
	return filepath.Clean(parsed.Path)
}

// refetchLoop fetches and reloads after manifest changes, one at a time.
func (p *Proxy) refetchLoop(done chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-p.trigger:
		}
		if p.Debounce > 0 {
			time.Sleep(p.Debounce)
			select { // fold edits that arrived meanwhile
			case <-p.trigger:
			default:
			}
		}
		token := p.beginProgress("airlock: fetching dependencies")
		err := p.Refetch()
		if err != nil {
			p.showMessage(2, "airlock: fetching dependencies failed: "+err.Error())
		}
		p.endProgress(token)
		snap := p.snapshot() // the fetch may have written Cargo.lock
		p.mu.Lock()
		p.reloads++
		p.lastSnap = snap
		p.mu.Unlock()
		_ = p.server.Write(Encode(request(p.newID(), "rust-analyzer/reloadWorkspace", nil)))
	}
}

func (p *Proxy) beginProgress(title string) string {
	p.mu.Lock()
	enabled := p.progress
	p.mu.Unlock()
	if !enabled {
		return ""
	}
	token := p.newID()
	_ = p.editor.Write(Encode(request(p.newID(), "window/workDoneProgress/create", map[string]any{"token": token})))
	_ = p.editor.Write(Encode(request("", "$/progress", map[string]any{
		"token": token, "value": map[string]any{"kind": "begin", "title": title}})))
	return token
}

func (p *Proxy) endProgress(token string) {
	if token == "" {
		return
	}
	_ = p.editor.Write(Encode(request("", "$/progress", map[string]any{
		"token": token, "value": map[string]any{"kind": "end"}})))
}

// showMessage sends window/showMessage (type 1 error, 2 warning, 3 info).
func (p *Proxy) showMessage(kind int, text string) {
	_ = p.editor.Write(Encode(request("", "window/showMessage", map[string]any{"type": kind, "message": text})))
}

// poll notices manifest changes on disk that no editor message reported
// (a git checkout, another tool).
func (p *Proxy) poll(done chan struct{}) {
	first := p.snapshot()
	p.mu.Lock()
	p.lastSnap = first
	p.mu.Unlock()
	t := time.NewTicker(p.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		cur := p.snapshot()
		p.mu.Lock()
		// The first snapshot after the roots are known is the baseline.
		changed := cur != p.lastSnap && p.lastSnap != ""
		p.lastSnap = cur
		p.mu.Unlock()
		if changed {
			p.kick()
		}
	}
}

// snapshot summarizes the modification times of dependency files in the
// roots (manifests at most a few levels deep; target/ and .git skipped).
func (p *Proxy) snapshot() string {
	p.mu.Lock()
	roots := append([]string(nil), p.Roots...)
	p.mu.Unlock()
	var b strings.Builder
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				name := d.Name()
				if path != root && (name == "target" || name == ".git" || name == "node_modules" ||
					strings.Count(strings.TrimPrefix(path, root), "/") > 4) {
					return filepath.SkipDir
				}
				return nil
			}
			if IsDependencyFile(path) {
				if info, err := d.Info(); err == nil {
					fmt.Fprintf(&b, "%s:%d:%d;", path, info.ModTime().UnixNano(), info.Size())
				}
			}
			return nil
		})
	}
	return b.String()
}
