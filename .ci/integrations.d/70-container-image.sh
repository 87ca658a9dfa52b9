# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- container image --------------------------------------------------------------------------------------
# Most of this needs no Docker daemon: hadolint reads the Dockerfile, and what the image rests on, a binary
# that needs nothing of the system under it, is checked on the release binary that the Dockerfile's
# `release` target copies in. Where a daemon with BuildKit answers, the image is built from that binary and
# run; elsewhere (this project's machines have the docker CLI at most) that step says it was skipped.
check "hadolint: Dockerfile" hadolint Dockerfile

# A static binary has no program interpreter (the dynamic loader) and needs no shared library, so it runs
# on Alpine, on a distroless image or `FROM scratch`, whatever the libc.
release_bin_is_static() {
  readelf -lW "$release_bin" >"$work/readelf-l.out" || return 1
  readelf -dW "$release_bin" >"$work/readelf-d.out" || return 1
  grep -E 'Elf file type|INTERP|NEEDED' "$work/readelf-l.out" "$work/readelf-d.out"
  grep -q 'Elf file type' "$work/readelf-l.out" &&
    ! grep -q INTERP "$work/readelf-l.out" && ! grep -q NEEDED "$work/readelf-d.out"
}
check "the release binary is static: no interpreter, no shared library" release_bin_is_static

# The image's essential behaviour without the image: the binary alone in an empty root (as `FROM scratch`),
# at the image's path, as the image's unprivileged user, with an empty environment, linting a project
# mounted at /src. The examples' verdicts depend on the Cargo.toml above them (it rules sqlx's layout out),
# so /src holds it too, as when the repository is mounted: `docker run -v "$PWD:/src" ...`.
image_root=$work/image-root
in_empty_root() {
  env -i "$(command -v chroot)" --userspec=10001:10001 "$image_root" /usr/local/bin/miglint "$@"
}
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$image_root/usr/local/bin" "$image_root/src"
  chmod 755 "$image_root"
  cp "$release_bin" "$image_root/usr/local/bin/miglint"
  cp -r Cargo.toml examples "$image_root/src/"
  blocked_in_empty_root() {
    exits_with 1 in_empty_root check /src/examples/migrations | tee "$work/empty-root.out" &&
      grep -q 'require-concurrent-index' "$work/empty-root.out"
  }
  check "an empty root, user 10001: check examples/migrations is blocked (exit 1)" blocked_in_empty_root
  check "an empty root, user 10001: check examples/safe-migrations passes (exit 0)" \
    exits_with 0 in_empty_root check /src/examples/safe-migrations
else
  echo "skipped the empty-root run of the release binary: chroot needs root (CI runs as root)"
fi

# examples/gitlab-ci.yml runs the image of this version, and its commented alternative downloads this
# version's archive: a release that moves the version must move them too.
gitlab_example_version() {
  local version
  version=$release_version
  grep -n -E 'ghcr\.io/miglint/miglint:|releases/download/' examples/gitlab-ci.yml &&
    grep -q "name: ghcr.io/miglint/miglint:$version\$" examples/gitlab-ci.yml &&
    grep -q "releases/download/v$version " examples/gitlab-ci.yml &&
    [ "$(grep -c -E 'ghcr\.io/miglint/miglint:|releases/download/' examples/gitlab-ci.yml)" = 2 ]
}
check "examples/gitlab-ci.yml: the image and the archive of Cargo.toml's version" gitlab_example_version

# That alternative's before_script (the commented `#   - ` lines but apk's), run by sh -e as GitLab would,
# against a release laid out as docs/distribution.md says (the archive holds miglint-<target>/miglint, and
# SHA256SUMS has a `<sha256>  <archive>` line per archive) and served from file:// instead of GitHub, with
# its /tmp in the work folder. A SHA256SUMS that does not match the archive must stop it.
gitlab_release=$work/gitlab-release
gitlab_alternative() {
  local sums=$1 tmp=$work/gitlab-tmp script=$work/gitlab-before-script.sh
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp "$sums" "$gitlab_release/SHA256SUMS"
  sed -n 's/^  #   - //p' examples/gitlab-ci.yml | grep -v '^apk add' |
    sed -e "s#/tmp#$tmp#g" \
      -e "s#https://github.com/miglint/miglint/releases/download/v[^ ]*#file://$gitlab_release#" >"$script"
  printf 'command -v miglint\nmiglint --version\n' >>"$script"
  cat "$script"
  CI_PROJECT_DIR=$repo sh -e "$script" 2>&1 | tee "$work/gitlab-alternative.out" &&
    grep -q "^$tmp/miglint-x86_64-unknown-linux-musl/miglint\$" "$work/gitlab-alternative.out"
}
mkdir -p "$gitlab_release"
cp "$release_dir/miglint-x86_64-unknown-linux-musl.tar.gz" "$gitlab_release/"
cp "$release_dir/SHA256SUMS" "$work/gitlab-sums-good"
sed 's/^[0-9a-f]*/0000000000000000000000000000000000000000000000000000000000000000/' "$work/gitlab-sums-good" \
  >"$work/gitlab-sums-bad"
check "examples/gitlab-ci.yml's alternative: downloads, checks and runs the release archive" \
  gitlab_alternative "$work/gitlab-sums-good"
gitlab_alternative_refuses() {
  exits_with 1 gitlab_alternative "$work/gitlab-sums-bad" && grep -q 'FAILED' "$work/gitlab-alternative.out" &&
    ! grep -q '^miglint ' "$work/gitlab-alternative.out"
}
check "examples/gitlab-ci.yml's alternative: stops at an archive SHA256SUMS does not vouch for" \
  gitlab_alternative_refuses

# The image itself, from the release binary (`--target release`), where Docker can build it.
image_checks() {
  local context=$work/image-context image=miglint-integrations:test version
  version=$release_version
  mkdir -p "$context/miglint-x86_64-unknown-linux-musl"
  cp "$release_bin" "$context/miglint-x86_64-unknown-linux-musl/miglint"
  check "docker buildx build --target release: the image from the release binary" \
    docker buildx build --load --target release --platform linux/amd64 --build-arg VERSION="$version" \
    -f Dockerfile -t "$image" "$context"
  in_image() { docker run --rm -v "$repo:/src:ro" "$image" "$@"; }
  image_blocks() {
    exits_with 1 in_image check examples/migrations | tee "$work/image.out" &&
      grep -q 'require-concurrent-index' "$work/image.out"
  }
  check "docker run IMAGE check examples/migrations: blocked (exit 1)" image_blocks
  check "docker run IMAGE check examples/safe-migrations: passes (exit 0)" \
    exits_with 0 in_image check examples/safe-migrations
  image_version() { in_image --version | tee "$work/image-version.out" && grep -q "^miglint $version " "$work/image-version.out"; }
  check "docker run IMAGE --version" image_version
  # --since runs git inside the image, on a repository owned by another user than the image's.
  local sample=$work/image-since
  mkdir -p "$sample/db/migrations"
  git -c init.defaultBranch=main init -q "$sample"
  printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n' >"$sample/db/migrations/0001_accounts.sql"
  git -C "$sample" add -A
  git -C "$sample" -c user.name=ci -c user.email=ci@example.com commit -qm accounts
  printf 'CREATE INDEX accounts_email_idx ON accounts (email);\n' >"$sample/db/migrations/0002_index.sql"
  since_in_image() {
    exits_with 1 docker run --rm -v "$sample:/src:ro" "$image" check --since HEAD . | tee "$work/image-since.out" &&
      grep -q 'require-concurrent-index' "$work/image-since.out"
  }
  check "docker run IMAGE check --since HEAD: git in the image judges the new migration" since_in_image
}
if ! command -v docker >/dev/null 2>&1; then
  echo "skipped the image build: no docker command"
elif ! docker_info=$(docker info 2>&1); then
  echo "skipped the image build: no Docker daemon answers ($(printf '%s\n' "$docker_info" | grep -m1 -i -E 'cannot|error' || true))"
elif ! docker buildx version >/dev/null 2>&1; then
  echo "skipped the image build: the Dockerfile needs BuildKit, and the docker CLI has no buildx"
else
  image_checks
fi
