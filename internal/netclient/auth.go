package netclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// Authorized returns a client sending through c's transport, with the
// given headers on every request, a Bearer token when token is set (as an
// oauth2 static token source), and timeout as its explicit overall time
// limit.
func (c *Client) Authorized(token string, timeout time.Duration, headers map[string]string) *http.Client {
	client := &http.Client{Transport: c.HTTP.Transport, Timeout: timeout}
	for name, value := range headers {
		client.Transport = headerTransport{base: client.Transport, name: name, value: value}
	}
	if token != "" {
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		client = oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"}))
		client.Timeout = timeout
		// Only RoundTrip is exposed: when the client's timeout fires,
		// net/http calls a transport's CancelRequest, which oauth2 keeps only
		// to log a deprecation notice.
		client.Transport = roundTripOnly{client.Transport}
	}
	return client
}

type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(t.name, t.value)
	return t.base.RoundTrip(r2)
}

// roundTripOnly hides every method of a transport but RoundTrip.
type roundTripOnly struct{ http.RoundTripper }

// UnwrapURL removes *url.Error's "Post <url>:" prefix, for messages that
// name the host already.
func UnwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
