"""What the loopback test servers share: the command line and the `PORT <n>` handshake.

A server script calls `serve(Handler, __doc__)`; it listens on 127.0.0.1 (port 0 picks a free
one), prints `PORT <n>` once listening (the Swift side waits for that line), and serves until
killed.
"""

import argparse
from http.server import ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5. Tests open two dozen connections at once, and
    # on a busy 2-core machine the accept loop can fall behind: a connection beyond the backlog
    # can fail before its request arrives, which the client retries and the server never counts
    # (ReliableSenderTests saw this once in CI). Real servers queue far more.
    request_queue_size = 128


def serve(handler, doc):
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    server = LoopbackServer((args.host, args.port), handler)
    server.daemon_threads = True
    server.verbose = args.verbose
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
