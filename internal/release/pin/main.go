// Command pin writes a release commit's pins: the digest-pinned image of
// action.yml, and the version and archive checksums of the dockerless
// action.
//
//	go run ./internal/release/pin image action.yml docker://ghcr.io/OWNER/REPO:vX.Y.Z@sha256:DIGEST
//	go run ./internal/release/pin checksums dockerless/action.yml dist/checksums.txt X.Y.Z
package main

import (
	"fmt"
	"os"

	"github.com/prefect-secrets/prefect-secrets-action/internal/release"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pin:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 3 && args[0] == "image":
		doc, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		out, err := release.PinImage(doc, args[2])
		if err != nil {
			return err
		}
		return os.WriteFile(args[1], out, 0o644)
	case len(args) == 4 && args[0] == "checksums":
		doc, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		sums, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		out, err := release.PinChecksums(doc, sums, args[3])
		if err != nil {
			return err
		}
		return os.WriteFile(args[1], out, 0o644)
	}
	return fmt.Errorf("usage: pin image ACTION_YML IMAGE | pin checksums DOCKERLESS_YML CHECKSUMS_TXT VERSION")
}
