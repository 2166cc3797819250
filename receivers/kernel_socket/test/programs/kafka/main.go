// A Kafka producer and consumer (Shopify's sarama, Debian's golang-github-shopify-sarama-dev) against sarama's
// MockBroker, a real Kafka-protocol implementation, in one process. Waits for a stdin line (so the agent
// instruments it before the client connects), then: 3 messages to "orders", one to "audit" (which the broker
// refuses with INVALID_MESSAGE), and consumes "orders". Prints DONE.
// Usage: kafka <port> <protocol version: 0.8.2 or 1.0.0> lumen-ks-client
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/Shopify/sarama"
)

type reporter struct{}

func (reporter) Error(a ...interface{})            { fmt.Fprintln(os.Stderr, a...) }
func (reporter) Errorf(f string, a ...interface{}) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (reporter) Fatal(a ...interface{})            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (reporter) Fatalf(f string, a ...interface{}) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }

func main() {
	t := reporter{}
	addr := "127.0.0.1:" + os.Args[1]
	broker := sarama.NewMockBrokerAddr(t, 1, addr)
	defer broker.Close()
	// the answers' versions follow the client's protocol version (0.8.2: Produce v0, Fetch v0; 1.0.0: v3, v4)
	v1 := os.Args[2] == "1.0.0"
	produce, fetch, offset := int16(0), int16(0), int16(0)
	if v1 {
		produce, fetch, offset = 3, 4, 1
	}
	broker.SetHandlerByMap(map[string]sarama.MockResponse{
		"MetadataRequest": sarama.NewMockMetadataResponse(t).SetBroker(broker.Addr(), broker.BrokerID()).
			SetLeader("orders", 0, broker.BrokerID()).SetLeader("audit", 0, broker.BrokerID()),
		"ProduceRequest": sarama.NewMockProduceResponse(t).SetVersion(produce).SetError("audit", 0, sarama.ErrInvalidMessage),
		"OffsetRequest":  sarama.NewMockOffsetResponse(t).SetVersion(offset).SetOffset("orders", 0, sarama.OffsetOldest, 0).SetOffset("orders", 0, sarama.OffsetNewest, 1),
		"FetchRequest":   sarama.NewMockFetchResponse(t, 1).SetVersion(fetch).SetMessage("orders", 0, 0, sarama.StringEncoder("hello")),
	})
	bufio.NewReader(os.Stdin).ReadString('\n')

	cfg := sarama.NewConfig()
	cfg.ClientID = "shop-api"
	cfg.Producer.Return.Successes = true
	cfg.Producer.Retry.Max = 0
	if v1 {
		cfg.Version = sarama.V1_0_0_0
	}
	producer, err := sarama.NewSyncProducer([]string{broker.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: "orders", Value: sarama.StringEncoder(fmt.Sprint("order ", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: "audit", Value: sarama.StringEncoder("x")}); err == nil {
		t.Fatal("audit: the broker's error did not reach the producer")
	}
	producer.Close()

	consumer, err := sarama.NewConsumer([]string{broker.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := consumer.ConsumePartition("orders", 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-pc.Messages():
		fmt.Println("consumed", string(m.Value))
	case <-time.After(5 * time.Second):
		t.Fatal("nothing consumed")
	}
	pc.Close()
	consumer.Close()
	fmt.Println("DONE")
}
