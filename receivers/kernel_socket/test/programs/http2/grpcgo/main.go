// A Go gRPC server or client (google.golang.org/grpc from Debian's golang-google-grpc-dev, GOPATH mode) with raw
// byte messages, for the HTTP/2 capture tests; the same calls as ../grpc.mjs.
// Usage: grpcgo server PORT MARKER | grpcgo client PORT SCENARIO MARKER (waits for a stdin line, prints DONE).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type raw struct{}

func (raw) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (raw) Unmarshal(d []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), d...)
	return nil
}
func (raw) Name() string   { return "proto" }
func (raw) String() string { return "proto" }

type impl struct{}

func sayHello(srv interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	out := append(append([]byte(nil), in...), in...)
	return &out, nil
}

func lookup(srv interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.NotFound, "no such entry")
}

func listFeatures(srv interface{}, stream grpc.ServerStream) error {
	var in []byte
	if err := stream.RecvMsg(&in); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		b := make([]byte, 100+i)
		if err := stream.SendMsg(&b); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	mode, port := os.Args[1], os.Args[2]
	addr := "127.0.0.1:" + port
	if mode == "server" {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			panic(err)
		}
		s := grpc.NewServer(grpc.CustomCodec(raw{}))
		s.RegisterService(&grpc.ServiceDesc{ServiceName: "helloworld.Greeter", HandlerType: (*interface{})(nil),
			Methods: []grpc.MethodDesc{{MethodName: "SayHello", Handler: sayHello}}}, impl{})
		s.RegisterService(&grpc.ServiceDesc{ServiceName: "routeguide.RouteGuide", HandlerType: (*interface{})(nil),
			Streams: []grpc.StreamDesc{{StreamName: "ListFeatures", Handler: listFeatures, ServerStreams: true}}}, impl{})
		s.RegisterService(&grpc.ServiceDesc{ServiceName: "lumen.test.Directory", HandlerType: (*interface{})(nil),
			Methods: []grpc.MethodDesc{{MethodName: "Lookup", Handler: lookup}}}, impl{})
		fmt.Println("LISTENING")
		if err := s.Serve(lis); err != nil {
			panic(err)
		}
		return
	}
	scenario := os.Args[3]
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n') // connect only once instrumented: the capture sees the connection's first bytes
	conn, err := grpc.Dial(addr, grpc.WithInsecure(), grpc.WithDefaultCallOptions(grpc.ForceCodec(raw{})))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	ctx := context.Background()
	unary := func(method string, body []byte) map[string]int {
		var out []byte
		err := conn.Invoke(ctx, method, &body, &out)
		if err != nil {
			return map[string]int{"code": int(status.Code(err))}
		}
		return map[string]int{"code": 0, "bytes": len(out)}
	}
	stream := func() map[string]int {
		s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/routeguide.RouteGuide/ListFeatures")
		if err != nil {
			return map[string]int{"code": int(status.Code(err))}
		}
		req := []byte("where")
		s.SendMsg(&req)
		s.CloseSend()
		n := 0
		for {
			var m []byte
			if err := s.RecvMsg(&m); err != nil {
				if err == io.EOF {
					return map[string]int{"code": 0, "messages": n}
				}
				return map[string]int{"code": int(status.Code(err))}
			}
			n++
		}
	}
	print := func(phase string, v interface{}) {
		b, _ := json.Marshal(v)
		fmt.Printf("DONE %s %s\n", phase, b)
	}
	switch scenario {
	case "basic":
		print("basic", []map[string]int{unary("/helloworld.Greeter/SayHello", make([]byte, 10)), stream(), unary("/lumen.test.Directory/Lookup", []byte("nobody"))})
	case "many":
		unary("/helloworld.Greeter/SayHello", []byte{1})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if unary("/helloworld.Greeter/SayHello", make([]byte, 2+i%50))["code"] == 0 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		print("many", map[string]int{"ok": ok})
	case "load":
		// load SECONDS CONCURRENCY: unary calls as fast as they come back, on this one connection
		secs, _ := strconv.Atoi(os.Args[4])
		workers, _ := strconv.Atoi(os.Args[5])
		var calls, failed int64
		deadline := time.Now().Add(time.Duration(secs) * time.Second)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := make([]byte, 64)
				for time.Now().Before(deadline) {
					if unary("/helloworld.Greeter/SayHello", body)["code"] == 0 {
						atomic.AddInt64(&calls, 1)
					} else {
						atomic.AddInt64(&failed, 1)
					}
				}
			}()
		}
		wg.Wait()
		print("load", map[string]int64{"calls": calls, "failed": failed})
	}
}
