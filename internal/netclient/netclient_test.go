package netclient

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets-action/internal/servertext"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"9223372037", time.Duration(math.MaxInt64), true},
		{"18446744074", time.Duration(math.MaxInt64), true},
		{"99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"9223372036", 9223372036 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		got, ok := retryAfter(resp, clock)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Retry-After %q = %s, %v; want %s, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	t.Parallel()
	p := policy{base: 100 * time.Millisecond, now: time.Now}
	for attempt := 0; attempt < 6; attempt++ {
		ceiling := min(100*time.Millisecond<<attempt, time.Second)
		for i := 0; i < 50; i++ {
			d := p.backoff(0, time.Second, attempt, nil)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestRetryableStatuses(t *testing.T) {
	t.Parallel()
	for code := 100; code < 600; code++ {
		want := code == 408 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504
		if retryableStatus(code) != want {
			t.Errorf("status %d: retryable %v", code, !want)
		}
	}
}

func TestDetail(t *testing.T) {
	t.Parallel()
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct{ body, want string }{
		{`{"detail": "Block document not found"}`, "Block document not found"},
		{`{"exception_message": "Invalid request\nreceived."}`, "Invalid request received."},
		{`not json`, ""},
		{`{"detail": ["list"]}`, ""},
		{`{"detail": "` + string(long) + `"}`, string(long[:200]) + "…"},
		{`{"detail": "bad key pnu_SECRET-KEY given"}`, "bad key *** given"},
		{`{"detail": "bad key pnu_SECRET\u0007-KEY"}`, "bad key ***"},
		{`{"detail": "\u001b]0;title\u0007bell\u009b"}`, "]0;titlebell"},
		{`{"detail": "line\n::error::forged"}`, "line ::error::forged"},
		{`{"detail": "a ##[group]b"}`, "a # #[group]b"},
		{`{"detail": "` + strings.Repeat("é", 300) + `"}`, strings.Repeat("é", 200) + "…"},
		{`{"detail": "\u202eevil"}`, "evil"},
	}
	c := &Client{Redactor: &servertext.Redactor{}}
	c.Redactor.Add("pnu_SECRET-KEY")
	for _, tt := range tests {
		if got := c.Detail([]byte(tt.body), "detail", "exception_message"); got != tt.want {
			t.Errorf("Detail(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
