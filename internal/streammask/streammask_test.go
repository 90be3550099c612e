package streammask

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// naive masks a whole text at once: every byte any occurrence of any line
// of a secret covers is masked, and each run of masked bytes (touching
// runs together) becomes one Replacement.
func naive(text []byte, secrets []string) []byte {
	masked := make([]bool, len(text))
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if line == "" {
				continue
			}
			for i := 0; i+len(line) <= len(text); i++ {
				if string(text[i:i+len(line)]) == line {
					for j := i; j < i+len(line); j++ {
						masked[j] = true
					}
				}
			}
		}
	}
	var out []byte
	for i := 0; i < len(text); i++ {
		if !masked[i] {
			out = append(out, text[i])
			continue
		}
		out = append(out, Replacement...)
		for i+1 < len(text) && masked[i+1] {
			i++
		}
	}
	return out
}

// feed writes text in pieces of the given sizes (cycled) and closes.
func feed(t testing.TB, secrets []string, text []byte, sizes []int) []byte {
	var out bytes.Buffer
	m := New(&out, secrets, time.Hour)
	for i, k := 0, 0; i < len(text); k++ {
		n := 1
		if len(sizes) > 0 {
			n = max(1, sizes[k%len(sizes)])
		}
		n = min(n, len(text)-i)
		if _, err := m.Write(text[i : i+n]); err != nil {
			t.Fatal(err)
		}
		i += n
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestWriter(t *testing.T) {
	t.Parallel()
	secrets := []string{"hunter2", "pass", "password-long", "multi\nline value", "a\x00b", "日本"}
	tests := []string{
		"nothing here\n",
		"the password-long is hunter2\n",
		"passpass and pas s\n",
		"multi\nline value\n",
		"binary a\x00b \xff\xfe end",
		"日本語 text",
		"hunter",
		"hunter2hunter2",
		"password-lon",
		"",
	}
	for _, text := range tests {
		want := naive([]byte(text), secrets)
		for _, sizes := range [][]int{nil, {1}, {2, 3}, {1000}, {5, 1, 7}} {
			if got := feed(t, secrets, []byte(text), sizes); !bytes.Equal(got, want) {
				t.Errorf("%q in pieces %v: %q, want %q", text, sizes, got, want)
			}
		}
	}
}

func TestWriterRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab\nc"
	for round := 0; round < 2000; round++ {
		var secrets []string
		for i := 0; i < 1+r.IntN(4); i++ {
			var s strings.Builder
			for j := 0; j < 1+r.IntN(5); j++ {
				s.WriteByte(alphabet[r.IntN(len(alphabet))])
			}
			secrets = append(secrets, s.String())
		}
		text := make([]byte, r.IntN(60))
		for i := range text {
			text[i] = alphabet[r.IntN(len(alphabet))]
		}
		sizes := []int{1 + r.IntN(7), 1 + r.IntN(3)}
		if got, want := feed(t, secrets, text, sizes), naive(text, secrets); !bytes.Equal(got, want) {
			t.Fatalf("secrets %q, text %q, pieces %v: %q, want %q", secrets, text, sizes, got, want)
		}
	}
}

func FuzzWriter(f *testing.F) {
	f.Add([]byte("the hunter2 is here\nhunter"), "hunter2", "pass\nword", uint8(3))
	f.Add([]byte("\x00\xffpasspass"), "ss", "pa", uint8(1))
	f.Fuzz(func(t *testing.T, text []byte, s1, s2 string, size uint8) {
		secrets := []string{s1, s2}
		if got, want := feed(t, secrets, text, []int{int(size%17) + 1, 1}), naive(text, secrets); !bytes.Equal(got, want) {
			t.Fatalf("%q with %q: %q, want %q", text, secrets, got, want)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the timer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWriterHoldsOnlyWhatMayStartASecret: a line goes out whole at its
// end; a tail that may start a secret waits for the delay, then goes; the
// rest of a secret whose start went out that way is still masked.
func TestWriterHoldsOnlyWhatMayStartASecret(t *testing.T) {
	t.Parallel()
	var held syncBuffer
	m := New(&held, []string{"hunter2"}, time.Hour)
	_, _ = m.Write([]byte("no secret here\nbut hun"))
	if got := held.String(); got != "no secret here\nbut " {
		t.Fatalf("held: %q", got)
	}
	_ = m.Close()
	if got := held.String(); got != "no secret here\nbut hun" {
		t.Fatalf("closed: %q", got)
	}

	var out syncBuffer
	m = New(&out, []string{"hunter2"}, 20*time.Millisecond)
	_, _ = m.Write([]byte("but hun"))
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "but hun" {
		if time.Now().After(deadline) {
			t.Fatalf("the held tail never went out: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, _ = m.Write([]byte("ter2 done\n"))
	_ = m.Close()
	if got := out.String(); got != "but hun*** done\n" {
		t.Errorf("after: %q", got)
	}
}
