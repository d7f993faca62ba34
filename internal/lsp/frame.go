// Package lsp is airlock's transparent proxy between an editor and a
// sandboxed rust-analyzer: it forwards every message byte for byte, watches
// for edits of manifests and lock files, and injects the few messages of its
// own (a workspace reload, progress) without the editor or the server
// seeing anything else change.
package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Message is one framed LSP message as read: the exact header bytes and
// body, so it can be forwarded unchanged.
type Message struct {
	Header []byte
	Body   []byte
}

// maxBody bounds a message body; rust-analyzer's largest replies are a few
// megabytes.
const maxBody = 256 << 20

// ReadMessage reads one message (headers up to the blank line, then
// Content-Length bytes).
func ReadMessage(r *bufio.Reader) (Message, error) {
	var header bytes.Buffer
	length := -1
	for {
		line, err := r.ReadBytes('\n')
		header.Write(line)
		if err != nil {
			if err == io.EOF && header.Len() == 0 {
				return Message{}, io.EOF
			}
			return Message{}, fmt.Errorf("reading LSP header: %w", err)
		}
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			break
		}
		name, value, ok := strings.Cut(text, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 || n > maxBody {
				return Message{}, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		}
	}
	if length < 0 {
		return Message{}, fmt.Errorf("LSP message without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return Message{}, fmt.Errorf("reading LSP body: %w", err)
	}
	return Message{Header: header.Bytes(), Body: body}, nil
}

// Encode frames a body with a Content-Length header.
func Encode(body []byte) Message {
	return Message{Header: []byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))), Body: body}
}

// Writer writes whole messages; safe for concurrent use, so injected
// messages never interleave with forwarded ones.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes m's header and body as one unit.
func (w *Writer) Write(m Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(m.Header); err != nil {
		return err
	}
	_, err := w.w.Write(m.Body)
	return err
}

// envelope is the part of a JSON-RPC message the proxy looks at.
type envelope struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
}

func peek(body []byte) envelope {
	var e envelope
	_ = json.Unmarshal(body, &e)
	return e
}

// request builds a JSON-RPC request or notification body.
func request(id, method string, params any) []byte {
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if id != "" {
		m["id"] = id
	}
	if params != nil {
		m["params"] = params
	}
	b, _ := json.Marshal(m)
	return b
}
