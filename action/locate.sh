#!/usr/bin/env bash
# The first step of the GitHub Action (action.yml): decides where the miglint it
# runs comes from, and writes the step outputs the other steps use.
#
#   mode=download  a release archive: the action's ref is a tag (`v1`, `v1.2`,
#                  `v1.2.3`; the version is the one in the action's own
#                  Cargo.toml, so a moving `v1` downloads the release of the
#                  commit it points to), or the `version` input is a version
#                  (`0.2.0`, `v0.2.0`);
#   mode=build     a build from source (`cargo install`): the `version` input is
#                  another ref (a branch or commit, fetched here), or the action's
#                  ref is not a tag (a branch, a commit, `uses: ./`).
#
# Outputs: mode, version (download), target (download), dir (build: the source),
# root (the install root: the binary is root/bin/miglint), key (the cache key).
# Environment: ACTION_REF, ACTION_REPOSITORY, VERSION (the input), and the
# runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_ACTION_PATH,
# GITHUB_SERVER_URL, GITHUB_OUTPUT.
set -euo pipefail

action_path=${GITHUB_ACTION_PATH:?}
temp=${RUNNER_TEMP:?}
version_input=${VERSION:-}
action_ref=${ACTION_REF:-}

# The runner leaves github.action_ref empty in some composite-action contexts; the folder it unpacked the
# action into, .../_actions/<owner>/<repository>/<ref>, names the ref too (`uses: ./` has no such folder).
if [ -z "$action_ref" ] && [[ ${action_path//\\//} =~ /_actions/[^/]+/[^/]+/(.+)$ ]]; then
  action_ref=${BASH_REMATCH[1]}
fi

semver='[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?'

# The version in [package] of a Cargo.toml.
package_version() {
  awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version[ \t]*=/ {
      sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit
    }' "$1"
}

# The release target built for this runner (docs/distribution.md).
release_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *)
      echo "::error title=miglint::no miglint release is built for ${RUNNER_OS:-an unknown OS} on ${RUNNER_ARCH:-an unknown architecture}; build it from source instead: set the action's \`version\` input to a branch or commit (e.g. \`version: main\`)" >&2
      return 1
      ;;
  esac
}

# sha256sum, or shasum on macOS.
if command -v sha256sum >/dev/null; then sha256=(sha256sum); else sha256=(shasum -a 256); fi

# Cache keys and folder names: only characters every file system and the cache accept.
sanitize() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

mode=build
version=
if [[ $version_input =~ ^v?($semver)$ ]]; then
  mode=download
  version=${BASH_REMATCH[1]}
elif [ -z "$version_input" ] && [[ $action_ref =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]]; then
  mode=download
  version=$(package_version "$action_path/Cargo.toml") || true
  if ! [[ $version =~ ^$semver$ ]]; then
    echo "::error title=miglint::the action's Cargo.toml at $action_ref has no package version (read \"$version\")" >&2
    exit 1
  fi
fi

if [ "$mode" = download ]; then
  target=$(release_target)
  build=$(sanitize "$version-$target")
  {
    echo "mode=download"
    echo "version=$version"
    echo "target=$target"
    echo "dir="
    echo "root=$temp/miglint-$build"
    # Released archives never change: the key is the version and the target alone, the same on every
    # branch, so a pull request restores what the default branch saved.
    echo "key=miglint-download-$RUNNER_OS-$RUNNER_ARCH-$build"
  } >>"${GITHUB_OUTPUT:?}"
  echo "miglint $version: the release archive for $target"
  exit 0
fi

if [ -n "$version_input" ]; then
  source_dir="$temp/miglint-source"
  rm -rf "$source_dir"
  git init -q "$source_dir"
  git -C "$source_dir" fetch -q --depth 1 "${GITHUB_SERVER_URL:-https://github.com}/${ACTION_REPOSITORY:-miglint/miglint}" "$version_input"
  git -C "$source_dir" checkout -q FETCH_HEAD
  build="version-$(git -C "$source_dir" rev-parse HEAD)"
else
  source_dir="$action_path"
  # The action's ref and the hash of everything compiled into the binary: a moving
  # ref (a branch, `uses: ./`) never reuses a binary built from other source. No
  # part of the key depends on the workflow's branch, so a pull request restores
  # the build its base branch saved when the source is the same.
  tree_hash=$(cd "$source_dir" && find Cargo.toml Cargo.lock build.rs src rules -type f -print0 \
    | LC_ALL=C sort -z | xargs -0 "${sha256[@]}" | "${sha256[@]}" | cut -c1-16)
  lock_hash=$("${sha256[@]}" "$source_dir/Cargo.lock" | cut -c1-16)
  build="${action_ref:-local}-$lock_hash-$tree_hash"
fi
build=$(sanitize "$build")
{
  echo "mode=build"
  echo "version="
  echo "target="
  echo "dir=$source_dir"
  echo "root=$temp/miglint-$build"
  echo "key=miglint-$RUNNER_OS-$RUNNER_ARCH-$build"
} >>"${GITHUB_OUTPUT:?}"
echo "miglint: a build from source ($build)"
