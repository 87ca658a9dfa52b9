# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work, wheels, release_dir, release_bin and
# release_target come from there.
# --- what a release publishes: archives, checksums, notes, the wheel, the sdist, the crate -----------------
# The release workflow (.github/workflows/release.yml) runs these same scripts and tools on each target; here
# they run on x86_64 Linux, and what they make is installed and run.
release_archive=miglint-$release_target.tar.gz

archive_layout() {
  tar -tzf "$release_dir/$release_archive" | sort | tee "$work/archive.list" &&
    diff <(printf "miglint-$release_target/%s\n" '' miglint README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE | sort) \
      "$work/archive.list"
}
check "release archive: one folder with the binary, README, CHANGELOG and licences" archive_layout
archive_runs() {
  local unpacked=$work/unpacked
  mkdir -p "$unpacked" && tar -xzf "$release_dir/$release_archive" -C "$unpacked" &&
    "$unpacked/miglint-$release_target/miglint" --version | grep -q "^miglint $release_version (commit " &&
    exits_with 1 "$unpacked/miglint-$release_target/miglint" check examples/migrations
}
check "release archive: its binary runs and blocks the examples" archive_runs
checksums_vouch() { (cd "$release_dir" && cat SHA256SUMS && sha256sum -c SHA256SUMS); }
check "release SHA256SUMS: sha256sum -c vouches for the archive" checksums_vouch
windows_zip() {
  local zips=$work/windows-zip
  mkdir -p "$zips" && cp "$release_bin" "$work/miglint.exe" &&
    scripts/package-release archive x86_64-pc-windows-msvc "$work/miglint.exe" "$zips" &&
    python3 -m zipfile -l "$zips/miglint-x86_64-pc-windows-msvc.zip" | tee "$work/zip.list" &&
    grep -q '^miglint-x86_64-pc-windows-msvc/miglint.exe ' "$work/zip.list"
}
check "release archive for Windows: a zip holding miglint-<target>/miglint.exe" windows_zip

# The release notes: a version's CHANGELOG section, never the next one's; a tag without one is refused.
notes_changelog=$work/CHANGELOG.md
printf '%s\n' '# Changelog' '' '## [Unreleased]' '- later' '' '## [0.2.0] - 2027-01-02' '### Added' '- two' '' \
  '## [0.1.0] - 2026-12-07' '- one' >"$notes_changelog"
release_notes_section() {
  scripts/release-notes 0.2.0 "$notes_changelog" | tee "$work/notes.md" && grep -qx -- '- two' "$work/notes.md" &&
    ! grep -q -- '- one\|- later' "$work/notes.md"
}
check "release notes: the version's CHANGELOG section and nothing else" release_notes_section
check "release notes: a version without a section is refused" \
  exits_with 1 scripts/release-notes 0.3.0 "$notes_changelog"

# The wheel (maturin, bindings = "bin"), as `pip install miglint` gets it: into a fresh virtualenv, offline.
wheel_installs_and_runs() {
  local venv=$work/wheel-venv
  python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$wheels" miglint &&
    "$venv/bin/miglint" --version | tee "$work/wheel-version.out" &&
    grep -q "^miglint $release_version (commit " "$work/wheel-version.out" &&
    exits_with 1 "$venv/bin/miglint" check examples/migrations &&
    exits_with 0 "$venv/bin/miglint" check examples/safe-migrations
}
check "wheel: pip installs it in a fresh virtualenv; miglint runs and blocks the examples" wheel_installs_and_runs
# `pipx run miglint` and `uvx miglint`, the README's other Python commands, from the same wheel, offline.
pipx_runs() {
  # pipx installs with uv when uv is on PATH, else with pip: both are pointed at the wheel.
  env PIPX_HOME="$work/pipx-home" PIPX_BIN_DIR="$work/pipx-bin" PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 UV_CACHE_DIR="$work/uv-cache" UV_NO_INDEX=1 UV_FIND_LINKS="$wheels" \
    pipx run miglint check examples/migrations | tee "$work/pipx.out"
  [ "${PIPESTATUS[0]}" = 1 ] && grep -q 'require-concurrent-index' "$work/pipx.out"
}
check "pipx run miglint: blocks the examples (exit 1)" pipx_runs
uvx_runs() {
  env UV_CACHE_DIR="$work/uv-cache" UV_TOOL_DIR="$work/uv-tools" UV_NO_INDEX=1 UV_FIND_LINKS="$wheels" \
    uvx miglint check examples/migrations | tee "$work/uvx.out"
  [ "${PIPESTATUS[0]}" = 1 ] && grep -q 'require-concurrent-index' "$work/uvx.out"
}
check "uvx miglint: blocks the examples (exit 1)" uvx_runs
wheel_tags() {
  # A static binary: maturin tags it manylinux (any glibc), which PyPI accepts.
  local found=("$wheels"/miglint-"$release_version"-py3-none-manylinux*x86_64.whl)
  printf '%s\n' "${found[@]}" && [ "${#found[@]}" = 1 ] && [ -f "${found[0]}" ]
}
check "wheel: one py3-none manylinux wheel of this version" wheel_tags

# The sdist and the crate hold everything a build needs, and nothing it does not.
sdist_contents() {
  rm -rf "$work/sdist" && maturin sdist --out "$work/sdist" >/dev/null &&
    tar -tzf "$work/sdist/miglint-$release_version.tar.gz" | sed "s#^miglint-$release_version/##" | sort >"$work/sdist.list" &&
    for needed in Cargo.toml Cargo.lock pyproject.toml build.rs src/main.rs src/lib.rs rules/require-concurrent-index.md \
      LICENSE-MIT LICENSE-APACHE README.md; do grep -qx "$needed" "$work/sdist.list" || { echo "missing $needed"; return 1; }; done
}
check "sdist: the sources, the lock file and the rule docs" sdist_contents
crate_package() {
  local crate=target/package/miglint-$release_version
  cargo package --quiet --locked --no-verify --allow-dirty &&
    cargo package --quiet --locked --list --allow-dirty | sort >"$work/crate.list" &&
    diff <(printf '%s\n' rules/*.md | sort) <(grep '^rules/.*\.md$' "$work/crate.list") &&
    # What the code reads at build time: build.rs, the rule docs (above), the function catalog.
    grep -qx 'build.rs' "$work/crate.list" && grep -qx 'src/analysis/pg_functions.tsv' "$work/crate.list" &&
    ! grep -q '^fixtures/\|^tests/\|^benches/\|^fuzz/' "$work/crate.list" &&
    [ "$(stat -c %s "$crate.crate")" -lt 10000000 ]
}
check "crate: cargo package holds the sources, the rule docs and what build.rs reads, under 10 MB" crate_package

# The README's archive install (examples/install-release.sh) as a user runs it, with the release URL pointing
# at release_dir (file://) and HOME in the work folder; a SHA256SUMS that does not vouch for the archive must
# stop it before anything is installed.
install_from_archive() {
  local release=$1 home=$work/install-home
  rm -rf "$home" && mkdir -p "$home" &&
    sed "s#^base=https://github.com/miglint/miglint/releases/latest/download\$#base=file://$release#" \
      examples/install-release.sh >"$work/install-release.sh" &&
    grep -q "^base=file://" "$work/install-release.sh" &&
    HOME=$home TMPDIR=$work sh -e "$work/install-release.sh" &&
    "$home/.local/bin/miglint" --version | grep "^miglint $release_version "
}
check "README's archive install: downloads, checks and installs the binary" install_from_archive "$release_dir"
tampered_release=$work/tampered-release
mkdir -p "$tampered_release" && cp "$release_dir/$release_archive" "$tampered_release/"
sed 's/^[0-9a-f]*/0000000000000000000000000000000000000000000000000000000000000000/' "$release_dir/SHA256SUMS" \
  >"$tampered_release/SHA256SUMS"
refuses_tampered() { ! install_from_archive "$tampered_release" && [ ! -e "$work/install-home/.local/bin/miglint" ]; }
check "README's archive install: stops at an archive SHA256SUMS does not vouch for" refuses_tampered
