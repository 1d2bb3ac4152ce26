// The pod sandbox's process (the image localhost/pause:3.2 of scripts/local-cluster.sh): it holds the
// pod's namespaces open and does nothing else; SIGTERM or SIGINT ends it.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void done(int sig) {
  (void)sig;
  _exit(0);
}

int main(void) {
  signal(SIGINT, done);
  signal(SIGTERM, done);
  for (;;) pause();
  return 0;
}
