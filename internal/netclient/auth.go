package netclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Authorized returns a client sending through c's transport, with the
// given headers on every request, a Bearer token when token is set (as an
// oauth2 static token source), and timeout as its explicit overall time
// limit. It sends only to endpoint's origin (scheme, host and port): a
// request for anywhere else fails before any credential is attached, and
// redirects are refused (see RedirectError).
func (c *Client) Authorized(endpoint *url.URL, token string, timeout time.Duration, headers map[string]string) *http.Client {
	pinned := originOnly{base: c.HTTP.Transport, scheme: strings.ToLower(endpoint.Scheme), host: strings.ToLower(endpoint.Host)}
	client := &http.Client{
		Transport:     pinned,
		Timeout:       timeout,
		CheckRedirect: refuseRedirect,
	}
	for name, value := range headers {
		client.Transport = headerTransport{base: client.Transport, name: name, value: value}
	}
	if token != "" {
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		client = oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"}))
		client.Timeout = timeout
		client.CheckRedirect = refuseRedirect
		// Only RoundTrip is exposed: when the client's timeout fires,
		// net/http calls a transport's CancelRequest, which oauth2 keeps only
		// to log a deprecation notice.
		client.Transport = roundTripOnly{client.Transport}
	}
	return client
}

// refuseRedirect is a second lock: the transport below already turns every
// 3xx into an error.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return &RedirectError{Status: req.Response.StatusCode, Target: req.URL.Host}
}

// originOnly refuses requests for any origin but the endpoint's.
type originOnly struct {
	base         http.RoundTripper
	scheme, host string
}

func (t originOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.ToLower(r.URL.Scheme) != t.scheme || strings.ToLower(r.URL.Host) != t.host {
		return nil, &RequestError{Host: t.host, Err: errOtherOrigin}
	}
	return t.base.RoundTrip(r)
}

var errOtherOrigin = errors.New("a request for another origin than api-url was refused")

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
