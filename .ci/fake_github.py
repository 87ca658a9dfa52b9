#!/usr/bin/env python3
"""A stand-in for GitHub in .ci/integrations.d/40-action.sh: release downloads and the issue comments API.

    fake_github.py --files DIR --state FILE --log FILE --port-file FILE

Serves the files under DIR (a release: /<where>/v<version>/<asset>) and, under /api, the part of GitHub's REST
API the action's comment step uses: GET /user, GET and POST /repos/O/R/issues/N/comments (paginated with
per_page and page), PATCH /repos/O/R/issues/comments/ID. The comments live in the JSON file --state
({"next_id": N, "comments": [{"id", "issue", "body", "user": {"login"}}]}), read and written on each request
so a test can seed and inspect them. The token `read-only` gets 403 on writes, as a pull request from a fork
does; any token gets 403 on /user, as GITHUB_TOKEN does, except `pat`. Each request is logged as one line,
`METHOD PATH`, to --log. Listens on 127.0.0.1 on a free port, written to --port-file.
"""

import argparse
import http.server
import json
import os
import re
import urllib.parse

LIMIT = 65536


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()

    def load():
        try:
            with open(args.state, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {"next_id": 1, "comments": []}

    def store(state):
        with open(args.state + ".tmp", "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1)
        os.replace(args.state + ".tmp", args.state)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format, *a):  # noqa: A002 - the base class's name
            pass

        def reply(self, status, body=None, content_type="application/json"):
            data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(f"{self.command} {self.path}\n")
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"null") if length else None
            if not url.path.startswith("/api/"):
                root = os.path.abspath(args.files)
                path = os.path.normpath(os.path.join(root, urllib.parse.unquote(url.path).lstrip("/")))
                if self.command != "GET" or not path.startswith(root + os.sep) or not os.path.isfile(path):
                    return self.reply(404, b"Not Found", "text/plain")
                with open(path, "rb") as f:
                    return self.reply(200, f.read(), "application/octet-stream")
            api = url.path[len("/api") :]
            denied = {"message": "Resource not accessible by integration"}
            if api == "/user" and self.command == "GET":
                return self.reply(200, {"login": "someone"}) if token == "pat" else self.reply(403, denied)
            state = load()
            m = re.fullmatch(r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", api)
            if m and self.command == "GET":
                per_page = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                on_issue = [c for c in state["comments"] if c["issue"] == int(m.group(1))]
                return self.reply(200, on_issue[(page - 1) * per_page : page * per_page])
            if m and self.command == "POST":
                if token == "read-only":
                    return self.reply(403, denied)
                if len(payload["body"]) > LIMIT:
                    return self.reply(422, {"message": "Validation Failed: body is too long"})
                comment = {
                    "id": state["next_id"],
                    "issue": int(m.group(1)),
                    "body": payload["body"],
                    "user": {"login": "pat-user" if token == "pat" else "github-actions[bot]"},
                    "html_url": f"https://github.example/comment/{state['next_id']}",
                }
                state["next_id"] += 1
                state["comments"].append(comment)
                store(state)
                return self.reply(201, comment)
            m = re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", api)
            if m and self.command == "PATCH":
                if token == "read-only":
                    return self.reply(403, denied)
                if len(payload["body"]) > LIMIT:
                    return self.reply(422, {"message": "Validation Failed: body is too long"})
                for comment in state["comments"]:
                    if comment["id"] == int(m.group(1)):
                        comment["body"] = payload["body"]
                        store(state)
                        return self.reply(200, comment)
            return self.reply(404, {"message": "Not Found"})

        do_GET = do_POST = do_PATCH = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
