# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- actionlint -------------------------------------------------------------------------------------------
project=$work/actionlint
mkdir -p "$project/.github/workflows"
cp -r action.yml action "$project/"
cp examples/github-workflow.yml "$project/.github/workflows/example.yml"
sed 's#uses: miglint/miglint@v1#uses: ./#' examples/github-workflow.yml >"$project/.github/workflows/local.yml"
sed 's#fail-on: error#fail-onn: error#' "$project/.github/workflows/local.yml" >"$project/.github/workflows/misspelt.yml"
# actionlint finds the project, where `./` points, by its .git.
git init -q "$project"

actionlint_in_project() { (cd "$project" && actionlint "$@"); }
check "actionlint: examples/github-workflow.yml" actionlint_in_project .github/workflows/example.yml
local_action_variant() {
  grep -q 'uses: \./$' "$project/.github/workflows/local.yml" && actionlint_in_project .github/workflows/local.yml
}
check "actionlint: the example through uses: ./ (action.yml and its inputs)" local_action_variant
misspelt_input_is_caught() {
  exits_with 1 actionlint_in_project .github/workflows/misspelt.yml
}
check "actionlint: a misspelt input of the action is an error" misspelt_input_is_caught
# The repository's own workflows (the release), with shellcheck on their run blocks.
check "actionlint: .github/workflows/*.yml" actionlint .github/workflows/*.yml

# actionlint reads an action's metadata but not its steps: lint them as the steps of a reusable workflow
# with the action's inputs (expressions, action versions, and shellcheck on each `run` block).
action_steps_as_workflow() {
  python - "$project/.github/workflows/action-steps.yml" <<'EOF'
import sys

import yaml

with open("action.yml") as f:
    action = yaml.safe_load(f)
inputs = {name: {"type": "string", "required": False} for name in action["inputs"]}
workflow = {
    "on": {"workflow_call": {"inputs": inputs}},
    "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
}
with open(sys.argv[1], "w") as f:
    yaml.safe_dump(workflow, f, sort_keys=False)
EOF
  actionlint_in_project .github/workflows/action-steps.yml
}
check "actionlint: the steps of action.yml, with shellcheck on their run blocks" action_steps_as_workflow
