// Go http.Client for the kernel_socket tests: "METHOD URL [BODY]" per stdin line, prints
// "STATUS <code> <body bytes>". os.Args[1] is a marker for discovery.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	client := &http.Client{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		parts := strings.SplitN(strings.TrimSpace(sc.Text()), " ", 3)
		if len(parts) < 2 {
			continue
		}
		var body io.Reader
		if len(parts) == 3 {
			body = strings.NewReader(parts[2])
		}
		req, err := http.NewRequest(parts[0], parts[1], body)
		if err != nil {
			fmt.Println("ERROR", err)
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("ERROR", err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("STATUS %d %d\n", resp.StatusCode, len(b))
	}
}
