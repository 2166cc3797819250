// An HTTP/2 cleartext server that accepts HTTP/1.1 `Upgrade: h2c` (and prior knowledge) through
// golang.org/x/net/http2/h2c from Debian's golang-golang-x-net-dev (GOPATH mode), for the h2c Upgrade test.
// Usage: h2cgo PORT MARKER. GET /missing → 404; any other path → 200 "hello h2c <path>\n".
package main

import (
	"fmt"
	"net/http"
	"os"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

func main() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "no\n")
			return
		}
		fmt.Fprintf(w, "hello h2c %s\n", r.URL.Path)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Args[1], Handler: h2c.NewHandler(handler, &http2.Server{})}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
