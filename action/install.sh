#!/usr/bin/env bash
# The download step of the GitHub Action (action.yml): fetches the release
# archive of miglint for one target with the release's SHA256SUMS, refuses it
# unless its checksum is the one listed, and installs the binary as
# $MIGLINT_ROOT/bin/miglint (miglint.exe on Windows). Nothing is installed
# unless every check passes; a binary of the right version already there (a
# restored cache) is kept without downloading anything.
#
# Environment: MIGLINT_VERSION (0.1.0), MIGLINT_TARGET (x86_64-unknown-linux-musl),
# MIGLINT_ROOT, MIGLINT_RELEASE_URL (where v<version>/<asset> are found; default
# GitHub's release downloads of miglint/miglint: set it for a mirror), RUNNER_TEMP.
set -euo pipefail

version=${MIGLINT_VERSION:?}
target=${MIGLINT_TARGET:?}
root=${MIGLINT_ROOT:?}
base=${MIGLINT_RELEASE_URL:-https://github.com/miglint/miglint/releases/download}
base=${base%/}
url="$base/v$version"

fail() {
  echo "::error title=miglint::$*"
  exit 1
}

case "$target" in
  *-windows-*) archive="miglint-$target.zip" exe=miglint.exe ;;
  *) archive="miglint-$target.tar.gz" exe=miglint ;;
esac
binary="$root/bin/$exe"

# The version a binary reports: `miglint 0.1.0 (commit 0123abcd)` -> 0.1.0.
reported_version() {
  "$1" --version 2>/dev/null | awk 'NR == 1 && $1 == "miglint" { print $2 }'
}

if [ -x "$binary" ] && [ "$(reported_version "$binary")" = "$version" ]; then
  echo "miglint $version is installed already ($binary)"
  exit 0
fi

staging=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/miglint-download.XXXXXX")
trap 'rm -rf "$staging"' EXIT

download() {
  # --fail: an HTTP error is an error, not a saved error page; --retry: transient
  # failures (timeouts, 5xx, 429) are tried again.
  curl --fail --silent --show-error --location --proto '=https,http,file' \
    --connect-timeout 10 --max-time 120 --retry 3 --retry-delay 2 \
    --output "$2" "$1" || fail "could not download $1 (is there a release v$version with an archive for $target?)"
}

started=$SECONDS
download "$url/SHA256SUMS" "$staging/SHA256SUMS"
download "$url/$archive" "$staging/$archive"

# `<sha256>  <name>` lines, as sha256sum writes them (`*<name>` in binary mode).
expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print tolower($1); exit }' "$staging/SHA256SUMS")
if ! [[ $expected =~ ^[0-9a-f]{64}$ ]]; then
  fail "SHA256SUMS of v$version has no checksum for $archive: refusing to run an unverified binary"
fi
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$staging/$archive" | awk '{ print $1 }')
else
  actual=$(shasum -a 256 "$staging/$archive" | awk '{ print $1 }')
fi
if [ "$actual" != "$expected" ]; then
  fail "$archive does not match SHA256SUMS of v$version (sha256 $actual, expected $expected): refusing to install it"
fi
echo "$archive: sha256 $actual, as SHA256SUMS lists"

mkdir "$staging/unpacked"
case "$archive" in
  *.zip)
    if command -v unzip >/dev/null; then
      unzip -q "$staging/$archive" -d "$staging/unpacked"
    elif command -v 7z >/dev/null; then
      7z x -bd -y -o"$staging/unpacked" "$staging/$archive" >/dev/null
    elif python=$(command -v python3 || command -v python); then
      "$python" -m zipfile -e "$staging/$archive" "$staging/unpacked"
    else
      pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$staging/$archive' -DestinationPath '$staging/unpacked'"
    fi
    ;;
  *) tar -xzf "$staging/$archive" -C "$staging/unpacked" ;;
esac
unpacked="$staging/unpacked/miglint-$target/$exe"
[ -f "$unpacked" ] || fail "$archive holds no miglint-$target/$exe"
chmod +x "$unpacked"
reported=$(reported_version "$unpacked")
[ "$reported" = "$version" ] || fail "the binary in $archive reports version '${reported:-nothing}', not $version"

mkdir -p "$root/bin"
mv -f "$unpacked" "$binary"
echo "miglint $version installed as $binary in $((SECONDS - started))s"
