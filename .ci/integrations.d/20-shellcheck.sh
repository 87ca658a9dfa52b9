# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- shellcheck -------------------------------------------------------------------------------------------
check "shellcheck: the action's scripts, scripts/ and .ci scripts" shellcheck action/*.sh scripts/bootstrap scripts/pre-commit-from-source .ci/run .ci/integrations .ci/integrations.d/*.sh
# The action's comment step and the Python helpers of the parts: they compile (Python 3 of the runner).
check "python: action/comment.py and the .ci helpers compile" \
  env PYTHONPYCACHEPREFIX="$work/pycache" python3 -m py_compile action/comment.py .ci/*.py
