/* Diagnostic only (run.sh NODELAY_SHIM=1): an LD_PRELOAD shim that sets TCP_NODELAY on every socket the
 * process accepts, i.e. what `server_->set_tcp_nodelay(true)` in webhook/server.cpp would do (cpp-httplib
 * sets it on the listening socket, which accepted sockets inherit). Lets the benchmark show the effect of
 * Nagle's algorithm on kguard without changing kguard. Build: cc -shared -fPIC -O2 -o shim.so nodelay_shim.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
  if (fd >= 0) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); /* fails harmlessly on non-TCP sockets */
  }
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  static int (*real)(int, struct sockaddr *, socklen_t *);
  if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
  int s = real(fd, addr, len);
  nodelay(s);
  return s;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  static int (*real)(int, struct sockaddr *, socklen_t *, int);
  if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
  int s = real(fd, addr, len, flags);
  nodelay(s);
  return s;
}
