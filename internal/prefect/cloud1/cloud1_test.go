package cloud1

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets-action/internal/netclient"
)

// TestPathlessMissingErrors covers servers whose GraphQL errors carry no
// path: a missing secret is still told apart when the nulls account for
// the errors, and the read fails when they cannot.
func TestPathlessMissingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, response string
		missing        []string
		fail           string
	}{
		{
			name:     "counts agree",
			response: `{"data": {"s0": "a", "s1": null, "s2": 3}, "errors": [{"message": "No value found for the requested key"}]}`,
			missing:  []string{"B"},
		},
		{
			name:     "a stored null besides a missing secret",
			response: `{"data": {"s0": null, "s1": null, "s2": 3}, "errors": [{"message": "No value found for the requested key"}]}`,
			fail:     "does not say which",
		},
		{
			name:     "another error",
			response: `{"data": null, "errors": [{"message": "UNAUTHENTICATED: token expired"}]}`,
			fail:     "authentication failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.response))
			}))
			defer srv.Close()
			nc, err := netclient.New(netclient.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := New(Options{URL: srv.URL, Client: nc})
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Values(context.Background(), []string{"A", "B", "C"})
			if tt.fail != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fail) {
					t.Fatalf("err = %v, want %q", err, tt.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tt.missing {
				if _, found := got[n]; found {
					t.Errorf("%s found, want missing", n)
				}
			}
			if got["A"].Text != "a" || got["C"].Text != "3" {
				t.Errorf("got %+v", got)
			}
		})
	}
}
