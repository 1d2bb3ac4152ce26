#!/usr/bin/env python3
"""A stand-in for kube-apiserver for `kguard rbac --kubeconfig` command-line tests (plain HTTP on
127.0.0.1): GET /version answers with DIR/version (first line: HTTP status, rest: body), re-read on
every request so that a test can change it; the four RBAC collections are the lists in DIR/world.json
({"clusterroles": [...], "clusterrolebindings": [...], "roles": [...], "rolebindings": [...]}).
Writes its port to DIR/port and serves until killed.

    python3 fake_rbac_api_server.py DIR
"""
import http.server
import json
import os
import sys

DIR = sys.argv[1]
RBAC = "/apis/rbac.authorization.k8s.io/v1/"


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/version":
            with open(os.path.join(DIR, "version")) as f:
                status, _, body = f.read().partition("\n")
            self.answer(int(status), body)
        elif path.startswith(RBAC) and path[len(RBAC):] in ("clusterroles", "clusterrolebindings", "roles", "rolebindings"):
            with open(os.path.join(DIR, "world.json")) as f:
                items = json.load(f).get(path[len(RBAC):], [])
            self.answer(200, json.dumps({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}))
        else:
            self.answer(404, json.dumps({"kind": "Status", "status": "Failure", "message": "not found", "code": 404}))

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
