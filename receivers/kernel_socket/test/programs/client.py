# Python urllib client for the kernel_socket tests: one request per stdin line "METHOD URL [BODY]",
# prints "STATUS <code> <body bytes>" per request. argv[1] is a marker for discovery (cmd_args).
import sys, urllib.request, urllib.error

for line in sys.stdin:
    parts = line.strip().split(' ', 2)
    if len(parts) < 2:
        continue
    method, url = parts[0], parts[1]
    data = parts[2].encode() if len(parts) > 2 else None
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req) as r:
            body = r.read()
            print('STATUS', r.status, len(body), flush=True)
    except urllib.error.HTTPError as e:
        body = e.read()
        print('STATUS', e.code, len(body), flush=True)
