// burst_client: the API server's side of a Deployment's scale-up, without the API server. Go's HTTP/1.1
// client set up as client-go's webhook client (keep-alive, 25 idle connections per host, no HTTP/2 to
// these servers) POSTs one AdmissionReview in the ReplicaSet controller's slow-start batches (1, 2, 4, 8,
// 16, 32, 37: each batch's calls at once, the next batch when all have answered; 100 calls), to each
// target in turn, rounds interleaved. What a creation round waits for is the sum of each batch's slowest
// call, so that is what is reported, with the per-call latencies. Run by cluster_bench.py --only burst:
//
//	go run burst_client.go -body FILE -rounds N NAME,URL,CA_FILE...
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

var batches = []int{1, 2, 4, 8, 16, 32, 37}

type target struct {
	name, url string
	client    *http.Client
	calls     []time.Duration // every call's latency
	sequences []time.Duration // per round: the sum of the batches' slowest calls
	slowest37 []time.Duration // per round: the slowest call of the 37-call batch
}

func newTarget(spec string) *target {
	parts := strings.SplitN(spec, ",", 3)
	if len(parts) != 3 {
		fail("target %q: want NAME,URL,CA_FILE", spec)
	}
	pem, err := os.ReadFile(parts[2])
	if err != nil {
		fail("%v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail("%s: no certificate", parts[2])
	}
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1 only
		MaxIdleConnsPerHost: 25,                                                     // client-go's transport
		IdleConnTimeout:     90 * time.Second,
	}
	return &target{name: parts[0], url: parts[1], client: &http.Client{Transport: transport, Timeout: 10 * time.Second}}
}

func (t *target) call(body []byte) time.Duration {
	start := time.Now()
	resp, err := t.client.Post(t.url, "application/json", bytes.NewReader(body))
	if err != nil {
		fail("%s: %v", t.name, err)
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(answer, []byte(`"allowed":true`)) {
		fail("%s: answered %d %q (%v)", t.name, resp.StatusCode, answer, err)
	}
	return time.Since(start)
}

// sequence runs the slow-start batches once; it returns the per-call latencies, the sum of the
// batches' slowest calls, and the last batch's slowest call.
func (t *target) sequence(body []byte) ([]time.Duration, time.Duration, time.Duration) {
	var all []time.Duration
	var total, last time.Duration
	for _, n := range batches {
		times := make([]time.Duration, n)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-gate
				times[i] = t.call(body)
			}(i)
		}
		close(gate)
		wg.Wait()
		slowest := time.Duration(0)
		for _, d := range times {
			if d > slowest {
				slowest = d
			}
		}
		total += slowest
		last = slowest
		all = append(all, times...)
	}
	return all, total, last
}

func percentile(values []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), values...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p/100*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "burst_client: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	bodyFile := flag.String("body", "", "the AdmissionReview to POST")
	rounds := flag.Int("rounds", 20, "slow-start sequences per target, interleaved")
	pause := flag.Duration("pause", 200*time.Millisecond, "idle time between sequences")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil || flag.NArg() == 0 {
		fail("usage: burst_client -body FILE [-rounds N] NAME,URL,CA_FILE... (%v)", err)
	}
	var targets []*target
	for _, spec := range flag.Args() {
		targets = append(targets, newTarget(spec))
	}
	for _, t := range targets { // warm-up: fill each client's connection pool
		t.sequence(body)
	}
	for r := 0; r < *rounds; r++ {
		for i := range targets {
			t := targets[(r+i)%len(targets)]
			time.Sleep(*pause)
			calls, total, last := t.sequence(body)
			t.calls = append(t.calls, calls...)
			t.sequences = append(t.sequences, total)
			t.slowest37 = append(t.slowest37, last)
		}
	}
	for _, t := range targets {
		fmt.Printf("burst, %s: slow-start sequence (100 calls) median %s (p90 %s); 37-call batch's slowest median %s; "+
			"per call median %s, p90 %s, p99 %s (%d calls)\n", t.name, ms(percentile(t.sequences, 50)),
			ms(percentile(t.sequences, 90)), ms(percentile(t.slowest37, 50)), ms(percentile(t.calls, 50)),
			ms(percentile(t.calls, 90)), ms(percentile(t.calls, 99)), len(t.calls))
	}
}
