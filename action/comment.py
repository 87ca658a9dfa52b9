#!/usr/bin/env python3
"""The comment step of the GitHub Action (action.yml, input `comment: true`).

Keeps one comment on the pull request up to date with miglint's job summary:
the comment whose body starts with MARKER and whose author is the token's own
account is edited; there is never a second one, and no one else's comment is
touched, whatever its body. A pull request with no finding and no earlier
comment gets none. A body over GitHub's size limit is cut, with a link to the
run's job summary.

Never changes the verdict: every failure (no permission, as on a pull request
from a fork; the API unreachable) is reported as a workflow command and the
script exits 0. Only the standard library: runners have python3.

Environment: GITHUB_TOKEN, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_REPOSITORY,
GITHUB_RUN_ID, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, MIGLINT_SUMMARY (the
summary's file), MIGLINT_ERRORS and MIGLINT_WARNINGS (the check's counts).
"""

import json
import os
import sys
import urllib.error
import urllib.request

MARKER = "<!-- miglint:comment -->"
# GitHub refuses a comment body longer than this many characters.
LIMIT = 65536
# The author of comments made with a workflow's GITHUB_TOKEN.
ACTIONS_BOT = "github-actions[bot]"
PER_PAGE = 100


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Api:
    def __init__(self, url, repository, token):
        self.url = url.rstrip("/")
        self.repository = repository
        self.token = token

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "miglint-action")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read().decode()).get("message", e.reason)
            except (ValueError, AttributeError, OSError):
                message = e.reason
            raise ApiError(e.code, message) from None
        return json.loads(text) if text.strip() else None

    def identity(self):
        """The login comments made with the token carry."""
        try:
            user = self.request("GET", "/user")
            if isinstance(user, dict) and user.get("login"):
                return user["login"]
        except ApiError:
            # An installation token (GITHUB_TOKEN) has no /user.
            pass
        return ACTIONS_BOT

    def comments(self, number):
        page = 1
        while True:
            batch = self.request(
                "GET", f"/repos/{self.repository}/issues/{number}/comments?per_page={PER_PAGE}&page={page}"
            )
            yield from batch or []
            if not batch or len(batch) < PER_PAGE:
                return
            page += 1


def command(kind, message):
    """A workflow command: `::notice`, `::warning`."""
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{kind} title=miglint comment::{message}")


def body_of(summary, run_url):
    """The comment's body: the marker, the summary, a link to the run; cut to fit LIMIT."""
    footer = f"\n\n<sub>miglint · [the run's job summary]({run_url})</sub>\n"
    body = f"{MARKER}\n{summary.rstrip()}"
    if len(body) + len(footer) <= LIMIT:
        return body + footer
    cut_note = (
        f"\n\n…\n\n**The report is cut here to fit GitHub's comment size limit: "
        f"[the run's job summary]({run_url}) has all of it.**\n"
    )
    room = LIMIT - len(cut_note) - len(footer)
    kept = body[:room]
    # End on a whole line, so no table row or code span is left half open.
    if "\n" in kept[len(MARKER) + 1 :]:
        kept = kept[: kept.rindex("\n")]
    return kept + cut_note + footer


def count(name):
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return None


def main():
    event_name = os.environ.get("GITHUB_EVENT_NAME", "")
    try:
        with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as f:
            event = json.load(f)
    except (KeyError, OSError, ValueError):
        event = {}
    pull_request = event.get("pull_request") or {}
    number = pull_request.get("number")
    if not number:
        command("notice", f"not a pull request ({event_name or 'no event'}): no comment to write")
        return 0

    summary_path = os.environ.get("MIGLINT_SUMMARY", "")
    try:
        with open(summary_path, encoding="utf-8") as f:
            summary = f.read()
    except OSError:
        summary = ""
    if not summary.strip():
        command("warning", "miglint wrote no summary (it could not run): the pull request's comment is left as it is")
        return 0

    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository = os.environ.get("GITHUB_REPOSITORY", "")
    run_url = f"{server}/{repository}/actions/runs/{os.environ.get('GITHUB_RUN_ID', '')}"
    api = Api(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repository, os.environ.get("GITHUB_TOKEN", ""))
    head = ((pull_request.get("head") or {}).get("repo") or {}).get("full_name")
    from_fork = head is not None and head != repository

    try:
        me = api.identity()
        mine = next(
            (
                c
                for c in api.comments(number)
                if (c.get("body") or "").startswith(MARKER) and (c.get("user") or {}).get("login") == me
            ),
            None,
        )
        body = body_of(summary, run_url)
        if mine is not None:
            api.request("PATCH", f"/repos/{repository}/issues/comments/{mine['id']}", {"body": body})
            print(f"miglint: updated the comment {mine.get('html_url') or mine['id']}")
        elif count("MIGLINT_ERRORS") == 0 and count("MIGLINT_WARNINGS") == 0:
            print("miglint: no finding and no earlier comment: nothing to comment")
        else:
            created = api.request("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body}) or {}
            print(f"miglint: commented {created.get('html_url') or ''}".rstrip())
    except ApiError as e:
        if e.status in (401, 403, 404):
            why = (
                "a workflow run for a pull request from a fork gets a read-only token"
                if from_fork
                else "the job needs `permissions: pull-requests: write`"
            )
            command(
                "notice" if from_fork else "warning",
                f"cannot comment on pull request #{number} ({e}): {why}. "
                "The findings are in the annotations and the job summary.",
            )
        else:
            command("warning", f"could not comment on pull request #{number} ({e}); the findings are in the job summary")
    except (OSError, ValueError) as e:
        command("warning", f"could not reach the GitHub API to comment on pull request #{number} ({e})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001 - the comment must never change the verdict
        command("warning", f"could not comment on the pull request ({type(e).__name__}: {e})")
        sys.exit(0)
