# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work, release_bin, release_dir and
# release_target come from there.
# --- the GitHub Action: locate, download and verify, cache, lint, comment ---------------------------------
# A local GitHub: .ci/fake_github.py serves releases built from release_bin (the archive a release publishes for
# release_target, and SHA256SUMS) and the issue comments API; .ci/action_runner.py runs the steps of action.yml
# as a runner does (expressions, `if`, GITHUB_OUTPUT, actions/cache/restore and save on a local folder).
action_work=$work/action
action_site=$action_work/site
action_version=$release_version
action_archive=miglint-$release_target.tar.gz
mkdir -p "$action_site"

# A release as docs/distribution.md describes it, under site/<name>/v<version>/: the driver's release_dir
# (scripts/package-release, as the release workflow makes it).
action_release() {
  local name=$1 version=$2
  mkdir -p "$action_site/$name/v$version"
  cp "$release_dir/$action_archive" "$action_site/$name/v$version/"
  (
    cat "$release_dir/SHA256SUMS"
    # Lines for the other archives of a release, which the action must skip.
    echo "$(printf 'a%.0s' {1..64})  miglint-x86_64-pc-windows-msvc.zip"
    echo "$(printf 'b%.0s' {1..64})  miglint-aarch64-apple-darwin.tar.gz"
  ) >"$action_site/$name/v$version/SHA256SUMS"
}
action_release good "$action_version"
# One byte of the archive changed, the checksums of the real one.
action_release tampered "$action_version"
python3 - "$action_site/tampered/v$action_version/$action_archive" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) // 2] ^= 0x01
open(sys.argv[1], "wb").write(data)
EOF
# SHA256SUMS without the archive's line.
action_release unlisted "$action_version"
grep -v " $action_archive\$" "$action_site/unlisted/v$action_version/SHA256SUMS" >"$action_work/unlisted.sums"
mv "$action_work/unlisted.sums" "$action_site/unlisted/v$action_version/SHA256SUMS"
# A release whose binary reports another version than its tag.
action_release other 9.9.9
# Windows's archive: a zip of miglint-x86_64-pc-windows-msvc/miglint.exe (here the Linux binary under that name).
action_windows=x86_64-pc-windows-msvc
mkdir -p "$action_work/windows" "$action_site/windows/v$action_version"
cp "$release_bin" "$action_work/windows/miglint.exe"
scripts/package-release archive "$action_windows" "$action_work/windows/miglint.exe" "$action_site/windows/v$action_version" >/dev/null
scripts/package-release checksums "$action_site/windows/v$action_version" >/dev/null

# The fake GitHub, stopped when this part ends (or the driver exits early).
action_log=$action_work/requests.log
: >"$action_log"
python3 -u .ci/fake_github.py --files "$action_site" --state "$action_work/comments.json" --log "$action_log" \
  --port-file "$action_work/port" >"$action_work/server.out" 2>&1 &
action_server=$!
action_previous_exit_trap=$(trap -p EXIT)
trap 'kill "$action_server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$action_work/port" ] && break
  sleep 0.05
done
action_url="http://127.0.0.1:$(cat "$action_work/port" 2>/dev/null)"

# Runs a command as a step of a Linux x64 runner would.
action_env() {
  env RUNNER_OS="${RUNNER_OS:-Linux}" RUNNER_ARCH="${RUNNER_ARCH:-X64}" RUNNER_TEMP="$action_work/temp" \
    GITHUB_ACTION_PATH="${action_path_override:-$repo}" GITHUB_SERVER_URL="${GITHUB_SERVER_URL:-https://github.com}" "$@"
}
mkdir -p "$action_work/temp"

# The outputs action/locate.sh writes for an action ref and a `version` input.
action_locate() {
  local out
  out=$(mktemp "$action_work/locate.XXXXXX")
  action_env ACTION_REF="$1" VERSION="$2" GITHUB_OUTPUT="$out" bash action/locate.sh >&2 || return
  cat "$out"
}

# locate: the mode, and what it downloads or builds.
tagged_refs_download_the_cargo_toml_version() {
  local ref out
  [ -n "$action_version" ] || return 1
  for ref in v1 v1.2 v1.2.3; do
    out=$(action_locate "$ref" "") || return
    echo "$ref: $out"
    grep -qx 'mode=download' <<<"$out" && grep -qx "version=$action_version" <<<"$out" \
      && grep -qx "target=$release_target" <<<"$out" \
      && grep -qx "key=miglint-download-Linux-X64-$action_version-$release_target" <<<"$out" || return
  done
}
check "action: a tagged ref (v1, v1.2, v1.2.3) downloads the release of the action's own Cargo.toml version" \
  tagged_refs_download_the_cargo_toml_version
# Where the runner unpacks miglint/miglint@v1 and miglint/miglint@release/v1.
mkdir -p "$action_work/_actions/miglint/miglint/v1" "$action_work/_actions/miglint/miglint/release/v1"
cp Cargo.toml "$action_work/_actions/miglint/miglint/v1/"
cp -r Cargo.toml Cargo.lock build.rs src rules "$action_work/_actions/miglint/miglint/release/v1/"
empty_action_ref_is_read_from_the_action_path() {
  local out
  out=$(action_path_override=$action_work/_actions/miglint/miglint/v1 action_locate "" "") || return
  echo "$out"
  grep -qx 'mode=download' <<<"$out" && grep -qx "version=$action_version" <<<"$out" || return
  out=$(action_path_override=$action_work/_actions/miglint/miglint/release/v1 action_locate "" "") || return
  echo "$out"
  grep -qx 'mode=build' <<<"$out" && grep -q '^key=miglint-Linux-X64-release_v1-' <<<"$out"
}
check "action: an empty github.action_ref is read from the folder the runner unpacked the action into" \
  empty_action_ref_is_read_from_the_action_path
version_inputs_download_that_version() {
  local input out
  for input in 0.2.0 v0.2.0; do
    out=$(action_locate main "$input") || return
    echo "$input: $out"
    grep -qx 'mode=download' <<<"$out" && grep -qx 'version=0.2.0' <<<"$out" || return
  done
}
check "action: a version input (0.2.0, v0.2.0) downloads that release, whatever the action's ref" \
  version_inputs_download_that_version
untagged_refs_build_the_action_source() {
  local ref out
  for ref in main 0123456789abcdef0123456789abcdef01234567 "" v1-beta release/v1; do
    out=$(action_locate "$ref" "") || return
    echo "'$ref': $out"
    grep -qx 'mode=build' <<<"$out" && grep -qx "dir=$repo" <<<"$out" \
      && grep -q "^key=miglint-Linux-X64-$(tr / _ <<<"${ref:-local}")-" <<<"$out" || return
  done
}
check "action: an untagged ref (a branch, a commit, uses: ./) builds the action's source" \
  untagged_refs_build_the_action_source
# A branch of a local miglint "repository": GITHUB_SERVER_URL/ACTION_REPOSITORY is where locate fetches it.
git init -q "$action_work/git/miglint/miglint"
git -C "$action_work/git/miglint/miglint" -c user.name=t -c user.email=t@t.invalid commit -q --allow-empty -m feature
git -C "$action_work/git/miglint/miglint" branch -q -M feature
version_input_branch_builds_it() {
  local out commit
  commit=$(git -C "$action_work/git/miglint/miglint" rev-parse HEAD)
  out=$(GITHUB_SERVER_URL="file://$action_work/git" action_env ACTION_REPOSITORY=miglint/miglint ACTION_REF=v1 \
    VERSION=feature GITHUB_OUTPUT="$action_work/branch.out" bash action/locate.sh && cat "$action_work/branch.out") || return
  echo "$out"
  grep -qx 'mode=build' <<<"$out" && grep -qx "dir=$action_work/temp/miglint-source" <<<"$out" \
    && grep -qx "key=miglint-Linux-X64-version-$commit" <<<"$out"
}
check "action: a version input naming a branch builds that branch" version_input_branch_builds_it
runners_get_their_release_target() {
  local pair runner out
  for pair in Linux/X64=x86_64-unknown-linux-musl Linux/ARM64=aarch64-unknown-linux-musl \
    macOS/X64=x86_64-apple-darwin macOS/ARM64=aarch64-apple-darwin Windows/X64=x86_64-pc-windows-msvc; do
    runner=${pair%%=*}
    out=$(RUNNER_OS=${runner%/*} RUNNER_ARCH=${runner#*/} action_locate v1 "") || return
    echo "$pair: $out"
    grep -qx "target=${pair#*=}" <<<"$out" || return
  done
}
check "action: each runner with a release gets its target (Linux, macOS, Windows)" runners_get_their_release_target
unsupported_runner_suggests_building() {
  local err status=0
  err=$(RUNNER_OS=Linux RUNNER_ARCH=ARM action_locate v1 "" 2>&1) || status=$?
  echo "exit status $status: $err"
  [ "$status" = 1 ] && grep -q '::error title=miglint::no miglint release is built for Linux on ARM' <<<"$err" \
    && grep -q 'version: main' <<<"$err"
}
check "action: a runner with no release (Linux ARM) is an error that suggests building from source" \
  unsupported_runner_suggests_building

# install: download, verify, install.
action_install() { # RELEASE ROOT VERSION
  action_env MIGLINT_RELEASE_URL="$action_url/$1" MIGLINT_ROOT="$2" MIGLINT_VERSION="${3:-$action_version}" \
    MIGLINT_TARGET="$release_target" bash action/install.sh
}
downloads_verifies_and_installs() {
  local started root=$action_work/temp/miglint-fresh
  started=$(date +%s%N)
  action_locate v1 "" || return
  action_install good "$root" || return
  action_download_ms=$((($(date +%s%N) - started) / 1000000))
  echo "locate + download + verify + install: ${action_download_ms} ms"
  "$root/bin/miglint" --version | grep -q "^miglint $action_version " \
    && grep -qx "GET /good/v$action_version/SHA256SUMS" "$action_log" \
    && grep -qx "GET /good/v$action_version/$action_archive" "$action_log" \
    && [ -z "$(find "$action_work/temp" -maxdepth 1 -name 'miglint-download.*')" ]
}
check "action: downloads the release archive over HTTP, checks it against SHA256SUMS and installs it" \
  downloads_verifies_and_installs
echo "action: the download path (locate + download + verify + install, local server) took ${action_download_ms:-?} ms"
tampered_archive_is_refused() {
  local root=$action_work/temp/miglint-tampered
  exits_with 1 action_install tampered "$root" | tee "$action_work/tampered.out" || return
  grep -q "::error title=miglint::$action_archive does not match SHA256SUMS" "$action_work/tampered.out" \
    && [ ! -e "$root" ]
}
check "action: a tampered archive is refused and nothing is installed" tampered_archive_is_refused
unlisted_archive_is_refused() {
  local root=$action_work/temp/miglint-unlisted
  exits_with 1 action_install unlisted "$root" | tee "$action_work/unlisted.out" || return
  grep -q "SHA256SUMS of v$action_version has no checksum for $action_archive" "$action_work/unlisted.out" \
    && [ ! -e "$root" ]
}
check "action: an archive SHA256SUMS does not list is refused" unlisted_archive_is_refused
wrong_version_is_refused() {
  local root=$action_work/temp/miglint-other
  exits_with 1 action_install other "$root" 9.9.9 | tee "$action_work/other.out" || return
  grep -q "reports version '$action_version', not 9.9.9" "$action_work/other.out" && [ ! -e "$root" ]
}
check "action: a binary reporting another version than the release's is refused" wrong_version_is_refused
missing_release_is_an_error() {
  exits_with 1 action_install good "$action_work/temp/miglint-missing" 0.0.1 | tee "$action_work/missing.out" || return
  grep -q "could not download $action_url/good/v0.0.1/SHA256SUMS (is there a release v0.0.1" "$action_work/missing.out"
}
check "action: a version with no release is a clear error" missing_release_is_an_error
installed_binary_is_kept() {
  local before
  before=$(wc -l <"$action_log")
  action_install good "$action_work/temp/miglint-fresh" | tee "$action_work/kept.out" || return
  grep -q "is installed already" "$action_work/kept.out" && [ "$(wc -l <"$action_log")" = "$before" ]
}
check "action: a binary of the version already installed (a restored cache) is kept without a download" \
  installed_binary_is_kept
windows_zip_installs() {
  local root=$action_work/temp/miglint-windows
  action_env MIGLINT_RELEASE_URL="$action_url/windows" MIGLINT_ROOT="$root" MIGLINT_VERSION="$action_version" \
    MIGLINT_TARGET="$action_windows" bash action/install.sh && "$root/bin/miglint.exe" --version
}
check "action: Windows's zip archive installs bin/miglint.exe" windows_zip_installs
# macOS has shasum, not sha256sum: a PATH of everything but sha256sum.
mkdir -p "$action_work/no-sha256sum"
for action_tool in /usr/local/bin/* /usr/bin/* /bin/*; do
  case "${action_tool##*/}" in sha256sum) ;; *) ln -sf "$action_tool" "$action_work/no-sha256sum/" ;; esac
done
shasum_verifies_without_sha256sum() {
  command -v shasum >/dev/null || { echo "no shasum here"; return 1; }
  PATH=$action_work/no-sha256sum action_install good "$action_work/temp/miglint-shasum" || return
  ! PATH=$action_work/no-sha256sum action_install tampered "$action_work/temp/miglint-shasum-tampered" \
    && [ ! -e "$action_work/temp/miglint-shasum-tampered" ]
}
check "action: without sha256sum (macOS) shasum -a 256 verifies the archive, and refuses a tampered one" \
  shasum_verifies_without_sha256sum
installed_binary_lints() {
  local summary=$action_work/run-summary.md
  : >"$summary"
  exits_with 1 action_env MIGLINT_BIN="$action_work/temp/miglint-fresh/bin/miglint" INPUT_PATHS=examples/migrations \
    GITHUB_STEP_SUMMARY="$summary" GITHUB_OUTPUT="$action_work/run-output" bash action/run.sh || return
  grep -q '^## miglint: ❌ blocked' "$summary" && cmp "$summary" "$action_work/temp/miglint-summary.md" \
    && grep -q '^errors=[1-9]' "$action_work/run-output" \
    && exits_with 0 action_env MIGLINT_BIN="$action_work/temp/miglint-fresh/bin/miglint" \
      INPUT_PATHS=examples/safe-migrations GITHUB_STEP_SUMMARY="$summary" bash action/run.sh
}
check "action: run.sh lints with the downloaded binary (exit 1, summary, a copy kept for the comment)" \
  installed_binary_lints
no_stale_summary_for_the_comment() {
  [ -s "$action_work/temp/miglint-summary.md" ] || return
  exits_with 2 action_env MIGLINT_BIN="$action_work/temp/miglint-fresh/bin/miglint" INPUT_PATHS=examples/migrations \
    INPUT_SINCE=0123456789abcdef0123456789abcdef01234567 GITHUB_STEP_SUMMARY="$action_work/run-summary.md" \
    bash action/run.sh && [ ! -e "$action_work/temp/miglint-summary.md" ]
}
check "action: a run that cannot lint leaves no earlier summary for the comment" no_stale_summary_for_the_comment

# action.yml itself, step by step, in a pull request's checkout: base commit, then the example migrations.
action_pr=$action_work/pull-request
git init -q "$action_pr"
echo "# app" >"$action_pr/README.md"
git -C "$action_pr" add -A
git -C "$action_pr" -c user.name=t -c user.email=t@t.invalid commit -q -m base
action_base=$(git -C "$action_pr" rev-parse HEAD)
mkdir -p "$action_pr/db"
cp -r examples/migrations "$action_pr/db/migrations"
git -C "$action_pr" add -A
git -C "$action_pr" -c user.name=t -c user.email=t@t.invalid commit -q -m 'pull request'
cat >"$action_work/pull_request.json" <<EOF
{"pull_request": {"number": 7, "base": {"sha": "$action_base"}, "head": {"repo": {"full_name": "octo/app"}}}}
EOF
echo '{"ref": "refs/heads/main"}' >"$action_work/push.json"
# A runner: a fresh RUNNER_TEMP (a new machine), the caches kept across runs.
action_run() { # NAME EVENT_NAME EVENT_FILE ACTION_REF [--input K=V ...]
  local name=$1 event_name=$2 event=$3 ref=$4
  shift 4
  rm -rf "$action_work/runner-$name"
  MIGLINT_RELEASE_URL="$action_url/good" GITHUB_API_URL="$action_url/api" GITHUB_REPOSITORY=octo/app \
    python .ci/action_runner.py "$repo" --workspace "$action_pr" --runner-temp "$action_work/runner-$name/temp" \
    --caches "$action_work/caches" --event "$event" --event-name "$event_name" --action-ref "$ref" \
    --report "$action_work/runner-$name/report.json" --summary "$action_work/runner-$name/summary.md" "$@"
}
# "outcome" of a step of a run's report, or "outputs.NAME".
action_step() { # NAME STEP-NAME-OR-ID FIELD
  python3 - "$action_work/runner-$1/report.json" "$2" "$3" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
step = next(s for s in report if sys.argv[2] in (s["id"], s["name"]))
value = step
for part in sys.argv[3].split("."):
    value = value.get(part, "")
print(value)
EOF
}
action_steps_are() { # NAME STEP=OUTCOME...
  local run=$1 pair actual
  shift
  for pair in "$@"; do
    actual=$(action_step "$run" "${pair%=*}" outcome)
    echo "$run: ${pair%=*}: $actual (expected ${pair##*=})"
    [ "$actual" = "${pair##*=}" ] || return
  done
}
tagged_action_downloads_caches_and_fails_on_findings() {
  exits_with 1 action_run tagged pull_request "$action_work/pull_request.json" v1 || return
  action_steps_are tagged source=success cache=success "Download miglint=success" "Build miglint=skipped" \
    actions/cache/save@v5=success check=failure "Comment on the pull request=skipped" || return
  [ "$(action_step tagged cache outputs.cache-hit)" = false ] \
    && [ -x "$action_work/caches/miglint-download-Linux-X64-$action_version-$release_target/bin/miglint" ] \
    && grep -q '^## miglint: ❌ blocked' "$action_work/runner-tagged/summary.md" \
    && [ "$(action_step tagged check outputs.errors)" -gt 0 ]
}
action_before=$(wc -l <"$action_log")
check "action.yml on a tagged ref: downloads, saves the cache before the lint, and the findings fail the job" \
  tagged_action_downloads_caches_and_fails_on_findings
# The time a run spends before the lint step starts, from the runner's report.
action_before_lint() {
  python3 -c 'import json, sys, itertools
steps = json.load(open(sys.argv[1]))
print(round(sum(s["seconds"] for s in itertools.takewhile(lambda s: s["id"] != "check", steps)), 2))' \
    "$action_work/runner-$1/report.json" 2>/dev/null || echo "?"
}
tagged_action_restores_the_cache() {
  local before
  before=$(wc -l <"$action_log")
  exits_with 1 action_run tagged-again pull_request "$action_work/pull_request.json" v1 || return
  action_steps_are tagged-again cache=success "Download miglint=skipped" actions/cache/save@v5=skipped check=failure \
    && [ "$(action_step tagged-again cache outputs.cache-hit)" = true ] && [ "$(wc -l <"$action_log")" = "$before" ]
}
check "action.yml on a tagged ref again: the cache is restored, nothing downloaded" tagged_action_restores_the_cache
downloads_were_two_requests() { [ $(($(wc -l <"$action_log") - action_before)) = 2 ]; }
check "action.yml on a tagged ref: two requests in all (SHA256SUMS and the archive)" downloads_were_two_requests
echo "action: action.yml on v1, time before the lint: $(action_before_lint tagged)s on a cache miss (download), $(action_before_lint tagged-again)s on a hit (local server and cache)"

# The build from source, with a cargo that records its arguments and installs the release binary.
mkdir -p "$action_work/fake-cargo"
cat >"$action_work/fake-cargo/cargo" <<EOF
#!/usr/bin/env bash
echo "\$*" >>"$action_work/cargo.log"
while [ \$# -gt 0 ]; do [ "\$1" != --root ] || root=\$2; shift; done
mkdir -p "\$root/bin" && cp "$release_bin" "\$root/bin/miglint"
EOF
chmod +x "$action_work/fake-cargo/cargo"
push_build_is_reused_by_pull_requests() {
  PATH=$action_work/fake-cargo:$PATH exits_with 1 action_run main-push push "$action_work/push.json" main || return
  action_steps_are main-push "Download miglint=skipped" "Build miglint=success" actions/cache/save@v5=success \
    check=failure || return
  grep -q "^install --path $repo --locked --root $action_work/runner-main-push/temp/miglint-main-" "$action_work/cargo.log" \
    || return
  PATH=$action_work/fake-cargo:$PATH exits_with 1 action_run main-pr pull_request "$action_work/pull_request.json" main \
    || return
  action_steps_are main-pr "Build miglint=skipped" actions/cache/save@v5=skipped check=failure \
    && [ "$(action_step main-pr cache outputs.cache-hit)" = true ] && [ "$(wc -l <"$action_work/cargo.log")" = 1 ]
}
check "action.yml on a branch: builds once; a pull request restores what the push to main saved" \
  push_build_is_reused_by_pull_requests

# The comment.
action_comment() { # PR-EVENT-FILE SUMMARY [VAR=VALUE...]: comment.py as the action's step runs it
  local event=$1 summary=$2
  shift 2
  env GITHUB_API_URL="$action_url/api" GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=octo/app \
    GITHUB_RUN_ID=4242 GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$event" GITHUB_TOKEN=ghs_fake \
    MIGLINT_SUMMARY="$summary" MIGLINT_ERRORS=2 MIGLINT_WARNINGS=0 "$@" python3 action/comment.py
}
# Field of the comments on an issue: "count", "N.body", "N.user"...
action_comments() { # ISSUE QUERY
  python3 - "$action_work/comments.json" "$1" "$2" <<'EOF'
import json, sys
state = json.load(open(sys.argv[1]))
on_issue = [c for c in state["comments"] if c["issue"] == int(sys.argv[2])]
mine = [c for c in on_issue if c["user"]["login"] == "github-actions[bot]" and c["body"].startswith("<!-- miglint:comment -->")]
print({"count": len(on_issue), "mine": len(mine), "body": mine[0]["body"] if mine else "", "length": len(mine[0]["body"]) if mine else 0, "others": json.dumps([c["body"] for c in on_issue if c not in mine])}[sys.argv[3]])
EOF
}
# Issue 7: 120 comments of others first (the action's lands on the second page), one by another bot with the marker.
python3 - "$action_work/comments.json" <<'EOF'
import json, sys
comments = [{"id": 1000 + i, "issue": 7, "body": f"comment {i}", "user": {"login": "someone"}} for i in range(119)]
comments.append({"id": 2000, "issue": 7, "body": "<!-- miglint:comment -->\nnot mine", "user": {"login": "other-bot[bot]"}})
json.dump({"next_id": 1, "comments": comments}, open(sys.argv[1], "w"))
EOF
printf '## miglint: ❌ blocked\n\nfirst\n' >"$action_work/summary-1.md"
printf '## miglint: ❌ blocked\n\nsecond\n' >"$action_work/summary-2.md"
comment_created_then_edited() {
  action_comment "$action_work/pull_request.json" "$action_work/summary-1.md" || return
  [ "$(action_comments 7 mine)" = 1 ] && grep -q '^first$' <<<"$(action_comments 7 body)" || return
  action_comment "$action_work/pull_request.json" "$action_work/summary-2.md" || return
  [ "$(action_comments 7 mine)" = 1 ] && [ "$(action_comments 7 count)" = 121 ] || return
  action_comments 7 body >"$action_work/comment.body" && grep -q '^second$' "$action_work/comment.body" \
    && head -n1 "$action_work/comment.body" | grep -qx '<!-- miglint:comment -->' \
    && grep -q '(https://github.com/octo/app/actions/runs/4242)' "$action_work/comment.body" \
    && grep -q '"<!-- miglint:comment -->\\nnot mine"' <<<"$(action_comments 7 others)" \
    && grep -q '^PATCH /api/repos/octo/app/issues/comments/1$' "$action_log" \
    && ! grep -q '^PATCH /api/repos/octo/app/issues/comments/2000' "$action_log"
}
check "action comment: created once, then edited (found on the second page), another bot's marked comment untouched" \
  comment_created_then_edited
oversize_comment_is_cut() {
  # shellcheck disable=SC2016 # backquotes of Markdown
  python3 -c 'print("## miglint: ❌ blocked\n"); [print(f"| `db/m/{i:06}.sql:1` | ban-drop-column | error | ❌ dropping a column |") for i in range(2000)]' \
    >"$action_work/summary-big.md"
  action_comment "$action_work/pull_request.json" "$action_work/summary-big.md" || return
  local length
  length=$(action_comments 7 length)
  echo "summary $(wc -c <"$action_work/summary-big.md") bytes, comment $length characters"
  [ "$length" -le 65536 ] && [ "$length" -gt 60000 ] && [ "$(action_comments 7 mine)" = 1 ] \
    && grep -q "cut here to fit GitHub's comment size limit: \[the run's job summary\](https://github.com/octo/app/actions/runs/4242)" \
      <<<"$(action_comments 7 body)"
}
check "action comment: a summary over GitHub's limit is cut below 65536 characters, with a link to the job summary" \
  oversize_comment_is_cut
cat >"$action_work/fork.json" <<'EOF'
{"pull_request": {"number": 8, "head": {"repo": {"full_name": "someone/app"}}}}
EOF
read_only_token_is_a_notice() {
  action_comment "$action_work/fork.json" "$action_work/summary-1.md" GITHUB_TOKEN=read-only | tee "$action_work/fork.out" \
    || return
  grep -q '^::notice title=miglint comment::cannot comment on pull request #8 (HTTP 403' "$action_work/fork.out" \
    && grep -q 'from a fork gets a read-only token.*annotations and the job summary' "$action_work/fork.out" \
    && [ "$(action_comments 8 count)" = 0 ] || return
  action_comment "$action_work/pull_request.json" "$action_work/summary-1.md" GITHUB_TOKEN=read-only \
    | tee "$action_work/no-permission.out" || return
  # shellcheck disable=SC2016 # backquotes of Markdown
  grep -q '^::warning title=miglint comment::.*needs `permissions: pull-requests: write`' "$action_work/no-permission.out"
}
check "action comment: a 403 (a fork's read-only token, no pull-requests: write) says so and exits 0" \
  read_only_token_is_a_notice
echo '{"pull_request": {"number": 9}}' >"$action_work/clean.json"
other_cases_exit_0() {
  action_comment "$action_work/push.json" "$action_work/summary-1.md" GITHUB_EVENT_NAME=push | tee "$action_work/push.out" \
    && grep -q '::notice title=miglint comment::not a pull request (push)' "$action_work/push.out" || return
  action_comment "$action_work/clean.json" "$action_work/summary-1.md" MIGLINT_ERRORS=0 || return
  [ "$(action_comments 9 count)" = 0 ] || return
  action_comment "$action_work/pull_request.json" "$action_work/summary-1.md" GITHUB_API_URL=http://127.0.0.1:9/api \
    | tee "$action_work/unreachable.out" && grep -q '^::warning title=miglint comment::' "$action_work/unreachable.out" || return
  action_comment "$action_work/pull_request.json" "$action_work/no-such-summary.md" | tee "$action_work/nosummary.out" \
    && grep -q 'miglint wrote no summary' "$action_work/nosummary.out"
}
check "action comment: not a pull request, nothing found, API unreachable, no summary: each noted, exit 0" \
  other_cases_exit_0
action_with_comment_keeps_the_verdict() {
  exits_with 1 action_run commented pull_request "$action_work/pull_request.json" v1 --input comment=true || return
  action_steps_are commented check=failure "Comment on the pull request=success" || return
  # shellcheck disable=SC2016 # backquotes of Markdown
  [ "$(action_comments 7 mine)" = 1 ] && grep -q '| `db/migrations/20260104090000_cleanup.sql:4` |' <<<"$(action_comments 7 body)"
}
check "action.yml with comment: true: the lint fails the job, the comment step still runs and edits the comment" \
  action_with_comment_keeps_the_verdict

kill "$action_server" 2>/dev/null || true
wait "$action_server" 2>/dev/null || true
eval "${action_previous_exit_trap:-trap - EXIT}"
