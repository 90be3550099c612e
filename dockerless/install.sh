#!/usr/bin/env bash
# Downloads the prefect-secrets release archive for this runner's OS and
# architecture, checks it against the checksum pinned in action.yml at
# release time (never against one fetched beside it), and unpacks the
# binary into the runner's temporary folder. It runs nothing it downloads.
set -euo pipefail

fail() { echo "::error::prefect-secrets (dockerless): $*" >&2; exit 1; }

version="${PREFECT_SECRETS_VERSION:?}"
case "$version" in
  *[!0-9A-Za-z.-]* | "") fail "version \"$version\" is not a release version" ;;
esac
case "${RUNNER_OS:-}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows ;;
  *) fail "runner OS \"${RUNNER_OS:-}\" has no release archive" ;;
esac
case "${RUNNER_ARCH:-}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) fail "runner architecture \"${RUNNER_ARCH:-}\" has no release archive" ;;
esac
ext=tar.gz
binary=prefect-secrets
if [ "$os" = windows ]; then
  ext=zip
  binary=prefect-secrets.exe
fi
archive="prefect-secrets_${version}_${os}_${arch}.${ext}"

# The pinned checksum: a line "<64 hex>  <archive>" of the block action.yml
# carries. No line, no download.
want=""
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  case "$line" in
    "#"* | "") continue ;;
  esac
  if [ "${line#*  }" = "$archive" ]; then
    want="${line%%  *}"
  fi
done <<< "${PREFECT_SECRETS_CHECKSUMS:-}"
case "$want" in
  "" ) fail "no checksum is pinned for $archive; use a released version of the action (@v1 or @vX.Y.Z)" ;;
  *[!0-9a-f]*) fail "the checksum pinned for $archive is not SHA-256 hex" ;;
esac
[ "${#want}" -eq 64 ] || fail "the checksum pinned for $archive is not SHA-256 hex"

base="${PREFECT_SECRETS_DOWNLOAD_BASE:-https://github.com/prefect-secrets/prefect-secrets-action/releases/download/v${version}}"
dir="$(mktemp -d "${RUNNER_TEMP:?}/prefect-secrets-bin.XXXXXXXX")"
download="$dir/$archive"
if ! curl --fail --silent --show-error --location --retry 3 --proto '=https,http' --output "$download" "$base/$archive"; then
  rm -rf "$dir"
  fail "cannot download $archive"
fi

if command -v sha256sum >/dev/null 2>&1; then
  got="$(sha256sum < "$download" | cut -d' ' -f1)"
else
  got="$(shasum -a 256 < "$download" | cut -d' ' -f1)"
fi
if [ "$got" != "$want" ]; then
  rm -rf "$dir"
  fail "$archive does not match the checksum pinned in the action (got $got); refusing to run it"
fi

mkdir "$dir/bin"
if [ "$ext" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$download" "$binary" -d "$dir/bin"
  else
    # Windows' own tar (bsdtar) reads zip archives.
    tar -xf "$download" -C "$dir/bin" "$binary"
  fi
else
  tar -xzf "$download" -C "$dir/bin" "$binary"
fi
rm -f "$download"
chmod 0755 "$dir/bin/$binary"
echo "bin=$dir/bin/$binary" >> "${GITHUB_OUTPUT:?}"
