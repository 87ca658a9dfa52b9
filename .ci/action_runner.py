#!/usr/bin/env python3
"""Runs the steps of a composite action (action.yml) as a GitHub runner would, for .ci/integrations.d/40-action.sh.

Enough of the runner for miglint's action: each step's `if` and `${{ }}` expressions (the inputs and their
defaults, `steps.<id>.outputs` and `.outcome`, `github.*`, `runner.*`, the status functions), `run` steps under
bash with `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and the rest of a runner's environment, and
`actions/cache/restore` and `actions/cache/save` on a local folder of caches (one folder per key). Prints one
line per step to stderr, writes the step outcomes and outputs as JSON (--report), appends each step's summary
to --summary, and exits 1 when a step failed (the job's verdict), else 0.

    action_runner.py ACTION_DIR --workspace DIR --runner-temp DIR --caches DIR --event FILE --event-name NAME
        --action-ref REF [--input NAME=VALUE ...] [--report FILE] [--summary FILE]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

import yaml


# --- expressions -----------------------------------------------------------------------------------------
TOKEN = re.compile(
    r"\s*(?:(?P<op>==|!=|&&|\|\||!|\(|\)|\[|\]|,|\.)|'(?P<str>(?:[^']|'')*)'|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def tokenize(text):
    tokens, at = [], 0
    text = text.strip()
    while at < len(text):
        m = TOKEN.match(text, at)
        if not m or m.end() == at:
            raise ValueError(f"cannot read the expression at {text[at:]!r}")
        at = m.end()
        if m.group("op"):
            tokens.append(("op", m.group("op")))
        elif m.group("str") is not None:
            tokens.append(("value", m.group("str").replace("''", "'")))
        elif m.group("num"):
            tokens.append(("value", float(m.group("num"))))
        else:
            tokens.append(("name", m.group("name")))
    return tokens


def loose(value):
    """GitHub compares loosely: null is '', strings ignore case."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.lower()
    return value


def truthy(value):
    return value not in (None, "", 0, False)


class Expression:
    def __init__(self, text, contexts, functions):
        self.tokens = tokenize(text)
        self.at = 0
        self.contexts = contexts
        self.functions = functions

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, expected=None):
        token = self.peek()
        if expected is not None and token != ("op", expected):
            raise ValueError(f"expected {expected!r}, found {token!r}")
        self.at += 1
        return token

    def evaluate(self):
        value = self.disjunction()
        if self.at != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()!r}")
        return value

    def disjunction(self):
        value = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.conjunction()
            value = value if truthy(value) else right
        return value

    def conjunction(self):
        value = self.comparison()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self):
        value = self.unary()
        if self.peek() in (("op", "=="), ("op", "!=")):
            _, op = self.take()
            right = self.unary()
            equal = loose(value) == loose(right)
            return equal if op == "==" else not equal
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind == "value":
            return value
        if (kind, value) == ("op", "("):
            inner = self.disjunction()
            self.take(")")
            return inner
        if kind != "name":
            raise ValueError(f"unexpected {value!r}")
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if self.peek() == ("op", "("):
            self.take()
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.disjunction())
                if self.peek() == ("op", ","):
                    self.take()
            self.take(")")
            return self.functions[value](*args)
        current = self.contexts.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            _, op = self.take()
            if op == ".":
                _, key = self.take()
            else:
                key = self.disjunction()
                self.take("]")
            current = current.get(key) if isinstance(current, dict) else None
        return current


def text_of(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def substitute(text, evaluate):
    """`${{ expr }}` in a string replaced by the expression's value."""
    if not isinstance(text, str):
        return text_of(text)
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: text_of(evaluate(m.group(1))), text)


# --- the runner ------------------------------------------------------------------------------------------
def cache_folder(caches, key):
    return os.path.join(caches, re.sub(r"[^A-Za-z0-9._-]", "_", key))


def restore(caches, inputs):
    key, path = inputs["key"], inputs["path"].strip()
    candidates = [key] + [k.strip() for k in inputs.get("restore-keys", "").splitlines() if k.strip()]
    stored = sorted(os.listdir(caches)) if os.path.isdir(caches) else []
    for wanted in candidates:
        exact = wanted == key
        matches = [s for s in stored if s == os.path.basename(cache_folder(caches, wanted))] if exact else [
            s for s in stored if s.startswith(os.path.basename(cache_folder(caches, wanted)))
        ]
        if matches:
            shutil.rmtree(path, ignore_errors=True)
            shutil.copytree(os.path.join(caches, matches[-1]), path, symlinks=True)
            print(f"  cache restored from key: {matches[-1]}", file=sys.stderr)
            return {"cache-hit": "true" if exact else "false", "cache-primary-key": key, "cache-matched-key": matches[-1]}
    print(f"  cache not found for key: {key}", file=sys.stderr)
    return {"cache-hit": "false", "cache-primary-key": key, "cache-matched-key": ""}


def save(caches, inputs):
    key, path = inputs["key"], inputs["path"].strip()
    folder = cache_folder(caches, key)
    if os.path.exists(folder):
        print(f"  warning: a cache with key {key} exists already: not saved", file=sys.stderr)
    elif not os.path.exists(path):
        print(f"  warning: {path} does not exist: not saved", file=sys.stderr)
    else:
        os.makedirs(caches, exist_ok=True)
        shutil.copytree(path, folder, symlinks=True)
        print(f"  cache saved with key: {key}", file=sys.stderr)
    return {}


def read_outputs(path):
    """KEY=VALUE lines and KEY<<DELIMITER blocks."""
    outputs = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            i += 1
            while lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action_dir")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--runner-temp", required=True)
    parser.add_argument("--caches", required=True)
    parser.add_argument("--event", required=True)
    parser.add_argument("--event-name", default="pull_request")
    parser.add_argument("--action-ref", default="")
    parser.add_argument("--action-repository", default="miglint/miglint")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--report")
    parser.add_argument("--summary")
    args = parser.parse_args()

    with open(os.path.join(args.action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    with open(args.event, encoding="utf-8") as f:
        event = json.load(f)
    given = dict(item.split("=", 1) for item in args.input)
    unknown = set(given) - set(action.get("inputs", {}))
    if unknown:
        sys.exit(f"unexpected inputs: {sorted(unknown)}")

    os.makedirs(args.runner_temp, exist_ok=True)
    runner_os = os.environ.get("RUNNER_OS", "Linux")
    runner_arch = os.environ.get("RUNNER_ARCH", "X64")
    github = {
        "action_ref": args.action_ref,
        "action_repository": args.action_repository,
        "token": os.environ.get("FAKE_GITHUB_TOKEN", "ghs_fake"),
        "event": event,
        "event_name": args.event_name,
        "repository": os.environ.get("GITHUB_REPOSITORY", "octo/app"),
        "server_url": os.environ.get("GITHUB_SERVER_URL", "https://github.com"),
        "api_url": os.environ.get("GITHUB_API_URL", "https://api.github.com"),
        "run_id": "4242",
        "workspace": args.workspace,
    }
    runner = {"temp": args.runner_temp, "os": runner_os, "arch": runner_arch}
    steps = {}
    failed = [False]
    functions = {
        "success": lambda: not failed[0],
        "failure": lambda: failed[0],
        "always": lambda: True,
        "cancelled": lambda: False,
        "contains": lambda a, b: loose(b) in loose(a) if isinstance(a, str) else b in (a or []),
        "startsWith": lambda a, b: loose(a).startswith(loose(b)),
    }

    def evaluate(text, contexts):
        return Expression(text, contexts, functions).evaluate()

    base_contexts = {"github": github, "runner": runner, "steps": steps}
    inputs = {}
    for name, spec in action.get("inputs", {}).items():
        value = given.get(name, (spec or {}).get("default", ""))
        inputs[name] = substitute(value, lambda e: evaluate(e, base_contexts))
    contexts = dict(base_contexts, inputs=inputs)

    base_env = dict(os.environ)
    base_env.update(
        {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_ACTION_PATH": os.path.abspath(args.action_dir),
            "GITHUB_WORKSPACE": args.workspace,
            "GITHUB_EVENT_PATH": os.path.abspath(args.event),
            "GITHUB_EVENT_NAME": args.event_name,
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_API_URL": github["api_url"],
            "GITHUB_RUN_ID": github["run_id"],
            "RUNNER_TEMP": args.runner_temp,
            "RUNNER_OS": runner_os,
            "RUNNER_ARCH": runner_arch,
        }
    )
    for name in list(base_env):
        if name.startswith("INPUT_"):
            del base_env[name]

    report = []
    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name") or step.get("id") or step.get("uses") or f"step {index}"
        condition = str(step.get("if", "success()")).strip()
        if condition.startswith("${{") and condition.endswith("}}"):
            condition = condition[3:-2]
        if not re.search(r"\b(success|failure|always|cancelled)\(", condition):
            condition = f"success() && ({condition})"
        outcome, outputs = "skipped", {}
        started = time.monotonic()
        if truthy(evaluate(condition, contexts)):
            resolve = lambda v: substitute(v, lambda e: evaluate(e, contexts))  # noqa: E731
            if "run" in step:
                env = dict(base_env)
                env.update({k: resolve(v) for k, v in (step.get("env") or {}).items()})
                output_file = os.path.join(args.runner_temp, f"_output_{index}")
                summary_file = os.path.join(args.runner_temp, f"_summary_{index}")
                for path in (output_file, summary_file):
                    open(path, "w").close()
                env["GITHUB_OUTPUT"], env["GITHUB_STEP_SUMMARY"] = output_file, summary_file
                script = os.path.join(args.runner_temp, f"_step_{index}.sh")
                with open(script, "w", encoding="utf-8") as f:
                    f.write(resolve(step["run"]))
                status = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=args.workspace, env=env
                ).returncode
                outcome = "success" if status == 0 else "failure"
                outputs = read_outputs(output_file)
                if args.summary:
                    with open(summary_file, encoding="utf-8") as s, open(args.summary, "a", encoding="utf-8") as t:
                        t.write(s.read())
            elif step["uses"].startswith("actions/cache/restore@"):
                outcome, outputs = "success", restore(args.caches, {k: resolve(v) for k, v in step["with"].items()})
            elif step["uses"].startswith("actions/cache/save@"):
                outcome, outputs = "success", save(args.caches, {k: resolve(v) for k, v in step["with"].items()})
            else:
                sys.exit(f"the runner cannot run {step['uses']}")
        if outcome == "failure":
            failed[0] = True
        if "id" in step:
            steps[step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
        seconds = round(time.monotonic() - started, 3)
        report.append({"name": name, "id": step.get("id"), "outcome": outcome, "outputs": outputs, "seconds": seconds})
        print(f"runner: {name}: {outcome} ({seconds}s)", file=sys.stderr)

    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return 1 if failed[0] else 0


if __name__ == "__main__":
    sys.exit(main())
