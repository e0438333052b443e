#!/usr/bin/env python3
"""A gate in front of a registry, for tests of what hubtop does with auth and limits.

  registry-gate.py UPSTREAM bearer USER SECRET   # Docker Hub's token flow
  registry-gate.py UPSTREAM limited SECONDS      # every request answered 429, Retry-After SECONDS
  registry-gate.py UPSTREAM flaky N              # each path's first N requests answered 500

bearer: /v2/ requests without `Authorization: Bearer <token>` get 401 with a Bearer challenge
whose realm is this gate's /token; /token hands out the token for Basic USER:SECRET and answers
401 otherwise; with the token, requests are passed to UPSTREAM. Prints its port on the first
line, then one line per request: METHOD PATH STATUS."""
import base64, http.server, sys, threading, urllib.error, urllib.request

upstream, mode = sys.argv[1].rstrip("/"), sys.argv[2]
failures, lock = {}, threading.Lock()
TOKEN = "gate-token-1234"


class Gate(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, headers=(), body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        print(f"{self.command} {self.path} {status}", flush=True)

    def handle_any(self):
        if mode == "limited":
            return self.answer(429, [("Retry-After", sys.argv[3]), ("Content-Type", "application/json")],
                               b'{"errors":[{"code":"TOOMANYREQUESTS","message":"pull limit"}]}')
        if mode == "flaky":
            with lock:
                failures[self.path] = failures.get(self.path, 0) + 1
                failing = failures[self.path] <= int(sys.argv[3])
            if failing:
                return self.answer(500, [("Content-Type", "application/json")],
                                   b'{"errors":[{"code":"UNKNOWN","message":"storage busy"}]}')
            return self.forward()
        if self.path.startswith("/token"):
            expected = "Basic " + base64.b64encode(f"{sys.argv[3]}:{sys.argv[4]}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.answer(401, body=b'{"details":"incorrect username or password"}')
            return self.answer(200, [("Content-Type", "application/json")], b'{"token":"%s"}' % TOKEN.encode())
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            port = self.server.server_address[1]
            name = self.path.split("/manifests/")[0].split("/blobs/")[0][len("/v2/"):]
            challenge = (f'Bearer realm="http://127.0.0.1:{port}/token",service="gate",'
                         f'scope="repository:{name}:pull"')
            return self.answer(401, [("WWW-Authenticate", challenge)], b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        self.forward()

    def forward(self):
        request = urllib.request.Request(upstream + self.path, method=self.command,
                                         headers={"Accept": self.headers.get("Accept", "*/*")})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        kept = [(name, headers[name]) for name in ("Content-Type", "Docker-Content-Digest") if headers[name]]
        self.answer(status, kept, body)

    do_GET = handle_any
    do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gate)
print(server.server_address[1], flush=True)
server.serve_forever()
