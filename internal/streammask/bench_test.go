package streammask

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchSecrets are 100 secrets of 8 to 64 bytes.
func benchSecrets() []string {
	r := rand.New(rand.NewPCG(7, 7))
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	out := make([]string, 100)
	for i := range out {
		b := make([]byte, 8+r.IntN(57))
		for j := range b {
			b[j] = chars[r.IntN(len(chars))]
		}
		out[i] = string(b)
	}
	return out
}

// mixedText is log-like text: lines of words, paths and numbers, one line
// in fifty holding a secret.
func mixedText(size int, secrets []string) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("the build step uploaded artifact to /var/lib/ci/cache in 1234 ms with status ok warning error retry deploy region us-east-1 token password key")
	var b strings.Builder
	for b.Len() < size {
		for i := 0; i < 6+r.IntN(10); i++ {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		if r.IntN(50) == 0 {
			b.WriteString(secrets[r.IntN(len(secrets))])
		}
		b.WriteByte('\n')
	}
	return []byte(b.String()[:size])
}

func binaryData(size int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// BenchmarkWriter measures throughput with 100 secrets of 8-64 bytes over
// 64 MiB a run, written in 32 KiB pieces as a pipe delivers them.
//
//	go test -run '^$' -bench BenchmarkWriter -benchtime 16x ./internal/streammask
func BenchmarkWriter(b *testing.B) {
	secrets := benchSecrets()
	const size = 64 << 20
	for _, in := range []struct {
		name string
		data []byte
	}{{"text", mixedText(size, secrets)}, {"binary", binaryData(size)}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				m := New(io.Discard, secrets, 0)
				for off := 0; off < size; off += 32 << 10 {
					if _, err := m.Write(in.data[off:min(off+32<<10, size)]); err != nil {
						b.Fatal(err)
					}
				}
				_ = m.Close()
			}
		})
	}
}

// BenchmarkLineLatency is the time one line of output spends in the
// masker: a process that prints a line and flushes sees it forwarded
// this much later.
func BenchmarkLineLatency(b *testing.B) {
	secrets := benchSecrets()
	m := New(io.Discard, secrets, 0)
	lines := make([][]byte, 64)
	for i := range lines {
		lines[i] = []byte(fmt.Sprintf("step %d: uploaded artifact build-%d.tar.gz to the cache in %d ms\n", i, i*7, i*13))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = m.Write(lines[i%len(lines)])
	}
}

// BenchmarkCompile is the start-up cost of masking a command's output:
// 100 secrets and the derived forms the action masks (about 4 each).
func BenchmarkCompile(b *testing.B) {
	var masks []string
	for _, s := range benchSecrets() {
		masks = append(masks, s, s+"-json", s+"%0A", "x"+s)
	}
	for i := 0; i < b.N; i++ {
		Compile(masks)
	}
}
