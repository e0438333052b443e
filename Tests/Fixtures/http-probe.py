#!/usr/bin/env python3
"""A loopback HTTP server that answers from a table and reports every request, for tests of
what hubtop sends where (credentials, proxies, Host headers).

  http-probe.py HOST PORT ROUTES_JSON

PORT 0 picks one. ROUTES_JSON is a list of {"path": prefix, "status": N, "headers": {...},
"body": "...", optional "repeat": N (the body N times), optional "authorization": the exact
header the route wants}; the first route whose prefix starts the request target (and whose
authorization matches) answers, else 404. A CONNECT whose route answers 200 opens a tunnel:
the request that comes through it is answered from the same table (other CONNECTs get 502). Prints its port (or "busy") on the first line, then one JSON object per
request: method, target, host, authorization, delivery (X-Hubtop-Delivery)."""
import http.server, json, socket, sys

host, port, routes = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])


class Probe(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        print(json.dumps({"method": self.command, "target": self.path, "host": self.headers.get("Host"),
                          "authorization": self.headers.get("Authorization"),
                          "delivery": self.headers.get("X-Hubtop-Delivery")}), flush=True)
        route = next((r for r in routes if self.path.startswith(r["path"])
                      and r.get("authorization", self.headers.get("Authorization"))
                      == self.headers.get("Authorization")), None)
        if route is None:
            route = {"status": 502 if self.command == "CONNECT" else 404}
        if self.command == "CONNECT" and route["status"] == 200:
            # A tunnel: what comes through it next is answered from the same table.
            self.send_response(200)
            self.end_headers()
            return
        body = route.get("body", "").encode() * route.get("repeat", 1)
        self.send_response(route["status"])
        for name, value in route.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_CONNECT = handle_any


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in host else socket.AF_INET


try:
    server = Server((host, port), Probe)
except OSError:
    print("busy", flush=True)
    sys.exit(1)
print(server.server_address[1], flush=True)
server.serve_forever()
