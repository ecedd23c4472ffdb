// A bare epoll HTTP responder, for experiments on what a server's event loop
// does to latency (bench/README.md, "p99"): one fixed response per request,
// keep-alive, no parsing beyond finding each "\r\n\r\n". Not part of the
// build.
//
//   gcc -O2 -o /tmp/epoll_responder bench/http/epoll_responder.c
//   taskset -c 0 /tmp/epoll_responder 8097 lt 3000 &
//   taskset -c 1 wrk -t1 -c64 -d5s -s bench/http/percentiles.lua http://127.0.0.1:8097/
//
// Arguments: port; "lt" (level-triggered, as libuv registers sockets) or
// "et" (edge-triggered, as nginx does); and optionally a number of spin
// iterations per request, to make the responder, not wrk, the bottleneck.
// Either mode makes one read per readiness report when the read comes back
// short, as libuv and nginx both do.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT lt|et [SPIN]\n", argv[0]);
    return 2;
  }
  const int port = atoi(argv[1]);
  const int edge = strcmp(argv[2], "et") == 0;
  const long spin = argc > 3 ? atol(argv[3]) : 0;
  volatile long sink = 0;
  int one = 1;

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(listener, 1024) != 0) {
    perror("bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);

  struct epoll_event events[1024];
  char buf[4096];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int c;
        while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event cev = {.events = EPOLLIN | (edge ? EPOLLET : 0), .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) {
          if (r == 0 || errno != EAGAIN) {
            close(fd);
          }
          break;
        }
        for (char* p = buf; (p = memmem(p, (size_t)(buf + r - p), "\r\n\r\n", 4)) != NULL; p += 4) {
          for (long k = 0; k < spin; k++) {
            sink += k;
          }
          if (write(fd, response, sizeof response - 1) < 0) {
            break;
          }
        }
        if (r < (ssize_t)sizeof buf) {
          break;
        }
      }
    }
  }
}
