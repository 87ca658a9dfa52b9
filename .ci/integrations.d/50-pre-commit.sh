# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work, wheels and release_bin come from there.
# --- pre-commit -------------------------------------------------------------------------------------------
# The real pre-commit, on a safe first commit and a dangerous second one, with each of miglint's hooks:
#   - the README's config: the wheel-based hook of miglint-pre-commit (packaging/pre-commit-mirror/), which
#     pip installs from the wheel .ci/integrations built (a local --find-links folder stands in for PyPI),
#     with every compiler on PATH replaced by one that records its use: nothing may be compiled;
#   - `try-repo` of this repository's `miglint` hook, which builds from source with `cargo install --locked`
#     (a kept target folder and an unoptimised release profile make that one quick build);
#   - `miglint-system`, the binary on PATH.
pre_commit_started=$SECONDS
pre_commit_home=$work/pre-commit-home
head=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain -- .pre-commit-hooks.yaml scripts Cargo.toml Cargo.lock src rules packaging)" ]; then
  echo "note: uncommitted changes are not in the hooks: pre-commit clones HEAD ($head)"
fi

# The mirror, as the release workflow publishes it: its own repository, tagged with the version.
version=$release_version
mirror=$work/pre-commit-mirror
cp -r packaging/pre-commit-mirror "$mirror"
git -c init.defaultBranch=main init -q "$mirror"
git -C "$mirror" add -A
git -C "$mirror" -c user.name=ci -c user.email=ci@example.com commit -qm "miglint $version"
git -C "$mirror" tag "v$version"

# pip finds miglint's wheel and the mirror's build backend in one local folder, and nothing else.
python3 -m pip download --quiet --disable-pip-version-check --dest "$wheels" 'setuptools>=61' >/dev/null
no_compiler=$work/no-compiler
compiler_log=$work/compilers-run.log
mkdir -p "$no_compiler"
: >"$compiler_log"
# `rustc --version` alone is pip asking for its user agent, not a build: answered "not here", not recorded.
for tool in cc gcc c++ clang cargo rustc rustup maturin; do
  printf '#!/bin/sh\n[ "$*" = --version ] && exit 1\necho "%s $*" >>"%s"\nexit 1\n' "$tool" "$compiler_log" >"$no_compiler/$tool"
  chmod +x "$no_compiler/$tool"
done
wheel_hook_env=(env PRE_COMMIT_HOME="$pre_commit_home" PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PATH="$no_compiler:$PATH")
# The source hook's build: a kept target folder, an unoptimised release profile.
source_hook_env=(env PRE_COMMIT_HOME="$pre_commit_home" CARGO_TARGET_DIR="$repo/target/pre-commit-cargo"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=0)

sample=$work/pre-commit-sample
mkdir -p "$sample/db/migrations"
git -c init.defaultBranch=main init -q "$sample"
sed -e "s#^\(  - repo: \)https://github.com/miglint/miglint-pre-commit\$#\1$mirror#" \
  -e "s#^\(    rev: \)v.*\$#\1v$version#" examples/pre-commit-config.yaml >"$sample/.pre-commit-config.yaml"
in_sample() { (cd "$sample" && "$@"); }
readme_config() { grep -q "repo: $mirror\$" "$sample/.pre-commit-config.yaml" && "$@"; }
wheel_hook() { readme_config "${wheel_hook_env[@]}" "$@"; }
source_hook=("${source_hook_env[@]}" pre-commit try-repo "$repo" miglint --ref "$head")
system_hook=(env PRE_COMMIT_HOME="$pre_commit_home" PATH="$(dirname "$release_bin"):$PATH"
  pre-commit try-repo "$repo" miglint-system --ref "$head")

# The first commit creates a table: new in the change, nothing to block, whichever way the hook runs.
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n' >"$sample/db/migrations/0001_accounts.sql"
git -C "$sample" add -A
hook_passes() { exits_with 0 in_sample "$@"; }
first_run_started=$SECONDS
check "pre-commit run (the README's config, the wheel): a new table passes" hook_passes wheel_hook pre-commit run
echo "  the wheel hook's first run, install included: $((SECONDS - first_run_started))s"
check "pre-commit run --all-files (the wheel): a new table passes" hook_passes wheel_hook pre-commit run --all-files
check "pre-commit try-repo miglint-pre-commit (the wheel): a new table passes" \
  hook_passes "${wheel_hook_env[@]}" pre-commit try-repo "$mirror" miglint --ref "v$version" --all-files
check "pre-commit try-repo (built from source): a new table passes" hook_passes "${source_hook[@]}" --all-files
git -C "$sample" -c user.name=ci -c user.email=ci@example.com commit -qm accounts

# The next commit indexes that table, now in production: blocked by a commit and by --all-files alike,
# even when pre-commit names only the other file.
printf 'CREATE INDEX accounts_email_idx ON accounts (email);\n' >"$sample/db/migrations/0002_index.sql"
git -C "$sample" add -A
hook_blocks() {
  exits_with 1 in_sample "$@" | tee "$work/hook.out" && grep -q 'require-concurrent-index' "$work/hook.out"
}
check "pre-commit run (the wheel): indexing an existing table is blocked" hook_blocks wheel_hook pre-commit run
check "pre-commit run --all-files (the wheel): the same verdict" hook_blocks wheel_hook pre-commit run --all-files
check "pre-commit run --files on the old migration (the wheel): the same verdict" \
  hook_blocks wheel_hook pre-commit run --files db/migrations/0001_accounts.sql
check "pre-commit try-repo miglint-pre-commit (the wheel): the same verdict" \
  hook_blocks "${wheel_hook_env[@]}" pre-commit try-repo "$mirror" miglint --ref "v$version"
nothing_compiled() { cat "$compiler_log" && [ ! -s "$compiler_log" ]; }
check "pre-commit (the wheel): installed and ran without a compiler" nothing_compiled
# try-repo clones into a store of its own each time, so the hook builds (incrementally, in the kept target
# folder) on every try-repo, and says how.
built_locked() { hook_blocks "$@" && grep -q 'building miglint with cargo install --locked' "$work/hook.out"; }
check "pre-commit try-repo (built from source with cargo install --locked): the same verdict" \
  built_locked "${source_hook[@]}"
check "pre-commit try-repo miglint-system (miglint on PATH): the same verdict" hook_blocks "${system_hook[@]}"
echo "  pre-commit checks took $((SECONDS - pre_commit_started))s"
