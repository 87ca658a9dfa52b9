#!/usr/bin/env bash
# The step of the GitHub Action (action.yml) that runs miglint: one lint pass
# that annotates the pull request, writes the job summary and the step
# outputs, and optionally SARIF. Inputs come as INPUT_* environment variables;
# the exit status is miglint's (0 pass, 1 blocked, 2 miglint could not run).
# With RUNNER_TEMP set, the summary is also left in $RUNNER_TEMP/miglint-summary.md.
set -euo pipefail

miglint="${MIGLINT_BIN:-miglint}"
# No summary of an earlier run in the same job is left for the comment step.
if [ -n "${RUNNER_TEMP:-}" ]; then
  rm -f "$RUNNER_TEMP/miglint-summary.md"
fi
args=(check --format github)

# Paths are separated by spaces or newlines; globs are left for miglint to
# expand (read -a does not expand them).
read -r -d '' -a paths <<<"${INPUT_PATHS:-.}" || true
if [ "${#paths[@]}" -eq 0 ]; then
  paths=(.)
fi

if [ -n "${INPUT_SINCE:-}" ]; then
  # --since needs the base commit and the history up to it in the checkout.
  if ! git rev-parse --verify --quiet "${INPUT_SINCE}^{commit}" >/dev/null; then
    echo "::error title=miglint::the base commit ${INPUT_SINCE} is not in the checkout: use actions/checkout with fetch-depth: 0"
    exit 2
  fi
  args+=(--since "$INPUT_SINCE")
fi
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=(--config "$INPUT_CONFIG")
fi
if [ -n "${INPUT_FAIL_ON:-}" ]; then
  args+=(--fail-on "$INPUT_FAIL_ON")
fi
if [ -n "${INPUT_PG_VERSION:-}" ]; then
  args+=(--pg-version "$INPUT_PG_VERSION")
fi
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  args+=(--sarif-file "$INPUT_SARIF_FILE")
fi
summary=
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # Written once, then appended to the job summary; a copy stays in RUNNER_TEMP
  # for the step that comments on the pull request (action/comment.py).
  summary=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/miglint-summary.XXXXXX")
  args+=(--summary-file "$summary")
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  args+=(--github-output "$GITHUB_OUTPUT")
fi

status=0
"$miglint" "${args[@]}" -- "${paths[@]}" || status=$?
if [ -n "$summary" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
  if [ -n "${RUNNER_TEMP:-}" ]; then
    mv -f "$summary" "$RUNNER_TEMP/miglint-summary.md"
  else
    rm -f "$summary"
  fi
fi
exit "$status"
