package conform

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/mockvault/mockvault/mockvault"
)

// Request is one request to a Vault server, its variables expanded.
type Request struct {
	Method string
	// Path is relative to /v1/ and may carry a query.
	Path string
	// Body is sent as is (nil: no body), as application/json unless
	// Headers say otherwise.
	Body io.Reader
	// Token is sent as X-Vault-Token ("" sends none).
	Token string
	// Headers are extra request headers.
	Headers map[string]string
}

// Send sends r to the server at addr (its base URL, without /v1) and
// decodes the answer: JSON into Body (numbers as json.Number), anything
// else into Text; a transport error into Err.
func Send(ctx context.Context, c *http.Client, addr string, r Request) Answer {
	var a Answer
	req, err := http.NewRequestWithContext(ctx, r.Method, addr+"/v1/"+strings.TrimPrefix(r.Path, "/"), r.Body)
	if err != nil {
		a.Err = err.Error()
		return a
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("X-Vault-Token", r.Token)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		a.Err = err.Error()
		return a
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		a.Err = "reading body: " + err.Error()
	}
	a.Status = resp.StatusCode
	a.ContentType = resp.Header.Get("Content-Type")
	a.Body, a.Text = mockvault.DecodeBody(raw)
	return a
}
