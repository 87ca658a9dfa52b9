# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- shellcheck -------------------------------------------------------------------------------------------
check "shellcheck: the action's scripts, scripts/bootstrap and .ci scripts" shellcheck action/*.sh scripts/bootstrap .ci/run .ci/integrations .ci/integrations.d/*.sh
