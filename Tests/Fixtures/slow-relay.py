#!/usr/bin/env python3
"""A relay between a registry's notifications and hubtop that answers the first delivery of
each tagged manifest push late, so the registry (timeout 1s) sends the same event again.

  slow-relay.py TARGET_BASE DELAY_SECONDS

Passes each POST on to TARGET_BASE + its path (headers kept) at once; holds the answer of the
first delivery of an event id whose event is a manifest push by tag for DELAY_SECONDS. Prints
its port on the first line, then one line per delivery: ID STATUS (and "late" when held)."""
import http.server, json, socketserver, sys, time, urllib.error, urllib.request

target, delay = sys.argv[1].rstrip("/"), float(sys.argv[2])
seen = set()


class Relay(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() in ("content-type", "authorization", "user-agent")}
        request = urllib.request.Request(target + self.path, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        events = json.loads(body).get("events", [])
        ids = [event.get("id", "?") for event in events]
        late = any(event.get("action") == "push" and event.get("target", {}).get("tag")
                   and event.get("id") not in seen for event in events)
        seen.update(ids)
        if late:
            time.sleep(delay)
        print(" ".join(ids), status, "late" if late else "", flush=True)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Relay)
print(server.server_address[1], flush=True)
server.serve_forever()
