/* Datapath probe for bench/netpol_agent/run.sh: new TCP connections, one at a time.
 *   connect_rate server PORT              accept; read 1 byte; answer 1 byte; close
 *   connect_rate client IP PORT SECONDS   connect; send 1 byte; wait for the answer; close with RST
 * The client prints "<connections/s> <p50 µs> <p99 µs> <failures> <client CPU µs per connection>": every
 * connection is a SYN through the server namespace's input chain, which is what a NetworkPolicy ruleset
 * costs. The client's CPU time includes the kernel work its packets cause in the server's namespace
 * when softirqs run in its context (the usual case on veth; the kernel here does not account IRQ time
 * separately). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static int server(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), yes = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
  if (bind(s, (struct sockaddr*)&a, sizeof a) || listen(s, 4096)) return perror("bind/listen"), 1;
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char b;
    if (recv(c, &b, 1, 0) == 1) (void)!send(c, &b, 1, MSG_NOSIGNAL);
    close(c);
  }
}

static int client(const char* ip, int port, double seconds) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  size_t cap = 1 << 20, n = 0, failures = 0;
  double* lat = malloc(cap * sizeof *lat);
  struct linger rst = {1, 0};  /* RST on close: no TIME_WAIT, no port exhaustion */
  struct timeval timeout = {1, 0};
  struct timespec cpu0, cpu1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  double start = now(), end = start + seconds;
  while (now() < end) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    double t0 = now();
    char b = 'x';
    if (connect(c, (struct sockaddr*)&a, sizeof a) == 0 && send(c, &b, 1, 0) == 1 && recv(c, &b, 1, 0) == 1) {
      if (n < cap) lat[n] = now() - t0;
      n++;
    } else {
      failures++;
    }
    close(c);
  }
  double elapsed = now() - start;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  double cpu = (cpu1.tv_sec - cpu0.tv_sec) * 1e6 + (cpu1.tv_nsec - cpu0.tv_nsec) / 1e3;
  size_t m = n < cap ? n : cap;
  qsort(lat, m, sizeof *lat, cmp);
  printf("%.0f %.1f %.1f %zu %.2f\n", n / elapsed, m ? lat[m / 2] * 1e6 : 0, m ? lat[m * 99 / 100] * 1e6 : 0, failures,
         n ? cpu / n : 0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && !strcmp(argv[1], "server")) return server(atoi(argv[2]));
  if (argc == 5 && !strcmp(argv[1], "client")) return client(argv[2], atoi(argv[3]), atof(argv[4]));
  fprintf(stderr, "usage: connect_rate server PORT | client IP PORT SECONDS\n");
  return 2;
}
