# A threaded HTTP service that calls DOWNSTREAM (another "host") for each request it serves.
# Usage: python3 front.py HOST PORT DOWN_HOST DOWN_PORT MARKER
import sys, urllib.request
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
host, port, down_host, down_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        urllib.request.urlopen(f'http://{down_host}:{down_port}/down{self.path}').read()
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer((host, port), Handler)
print('listening', flush=True)
server.serve_forever()
