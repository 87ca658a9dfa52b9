# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- pre-commit -------------------------------------------------------------------------------------------
# pre-commit builds the hook with `cargo install` from this repository at HEAD. A kept target folder and an
# unoptimised release profile make that one quick build (what the hook reports does not depend on it).
export PRE_COMMIT_HOME=$repo/target/pre-commit-home
export CARGO_TARGET_DIR=$repo/target/pre-commit-cargo
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=0
head=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain -- .pre-commit-hooks.yaml Cargo.toml Cargo.lock src rules)" ]; then
  echo "note: uncommitted changes are not in the hook: pre-commit builds it from HEAD ($head)"
fi
sample=$work/pre-commit-sample
mkdir -p "$sample/db/migrations"
git -c init.defaultBranch=main init -q "$sample"
sed -e "s#^\(  - repo: \)https://github.com/miglint/miglint\$#\1$repo#" -e "s#^\(    rev: \)v.*\$#\1$head#" \
  examples/pre-commit-config.yaml >"$sample/.pre-commit-config.yaml"
in_sample() { (cd "$sample" && "$@"); }
try_repo=(pre-commit try-repo "$repo" miglint --ref "$head")
readme_config() { grep -q "repo: $repo\$" "$sample/.pre-commit-config.yaml" && "$@"; }

# The first commit creates a table: new in the change, nothing to block, whichever way the hook runs.
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n' >"$sample/db/migrations/0001_accounts.sql"
git -C "$sample" add -A
hook_passes() { exits_with 0 in_sample "$@"; }
check "pre-commit try-repo: a new table passes" hook_passes "${try_repo[@]}" --all-files
check "pre-commit run: a new table passes" readme_config hook_passes pre-commit run
check "pre-commit run --all-files: a new table passes" readme_config hook_passes pre-commit run --all-files
git -C "$sample" -c user.name=ci -c user.email=ci@example.com commit -qm accounts

# The next commit indexes that table, now in production: blocked by a commit and by --all-files alike,
# even when pre-commit names only the other file.
printf 'CREATE INDEX accounts_email_idx ON accounts (email);\n' >"$sample/db/migrations/0002_index.sql"
git -C "$sample" add -A
hook_blocks() {
  exits_with 1 in_sample "$@" | tee "$work/hook.out" && grep -q 'require-concurrent-index' "$work/hook.out"
}
check "pre-commit try-repo: indexing an existing table is blocked" hook_blocks "${try_repo[@]}"
check "pre-commit run: indexing an existing table is blocked" readme_config hook_blocks pre-commit run
check "pre-commit run --all-files: the same verdict" readme_config hook_blocks pre-commit run --all-files
check "pre-commit run --files on the old migration: the same verdict" \
  readme_config hook_blocks pre-commit run --files db/migrations/0001_accounts.sql

# The system variant runs the miglint on PATH: here the one pre-commit built for the hook above.
installed=$(find "$PRE_COMMIT_HOME" -path '*/bin/miglint' -type f -print -quit)
system_hook() { [ -n "$installed" ] && PATH="$(dirname "$installed"):$PATH" hook_blocks "$@"; }
check "pre-commit try-repo miglint-system (miglint on PATH): the same verdict" \
  system_hook pre-commit try-repo "$repo" miglint-system --ref "$head"
unset PRE_COMMIT_HOME CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO CARGO_PROFILE_RELEASE_OPT_LEVEL
