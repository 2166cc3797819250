"""The chain's Python service (http.server, a thread per connection): GET /req/ID answers "python ID".
Usage: python3 chain_python.py PORT MARKER (CHAIN_LISTEN: the address, 127.0.0.1 by default)"""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("python " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer((os.environ.get("CHAIN_LISTEN") or "127.0.0.1", int(sys.argv[1])), Handler)
print("listening", sys.argv[1], flush=True)
server.serve_forever()
