// The physical limit for the RPC benchmark: a loopback TCP echo with Lyrica's framing (4-byte
// big-endian length, then the frame), no RPC semantics at all. `server` echoes bytes back with
// one epoll thread per core; `client` keeps CONCURRENCY frames in flight over CONNECTIONS
// connections (one thread each) and reports throughput and latency percentiles.
//
//   raw-echo server PORT
//   raw-echo client PORT BODY_BYTES CONCURRENCY CONNECTIONS SECONDS
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) { perror(what); exit(1); }

// ---- server: epoll, echo whatever arrives ----
static int listen_fd;

static void *serve(void *unused) {
    (void)unused;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0) die("epoll_ctl");
    static __thread char buf[1 << 16];
    struct epoll_event events[64];
    for (;;) {
        int n = epoll_wait(ep, events, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listen_fd) {
                int c = accept(listen_fd, NULL, NULL);
                if (c < 0) continue;
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) { close(fd); continue; }
            ssize_t off = 0;
            while (off < r) {
                ssize_t w = write(fd, buf + off, (size_t)(r - off));
                if (w < 0) { if (errno == EAGAIN) continue; break; }
                off += w;
            }
        }
    }
    return NULL;
}

// ---- client ----
typedef struct {
    int port, body, depth;
    uint64_t until;
    uint64_t calls;
    uint64_t *latencies;
    size_t latency_count, latency_cap;
} worker_t;

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void *drive(void *arg) {
    worker_t *w = arg;
    int fd = connect_to(w->port);
    size_t frame_len = 4 + (size_t)w->body;
    char *frame = calloc(1, frame_len);
    uint32_t be = htonl((uint32_t)w->body);
    memcpy(frame, &be, 4);
    uint64_t *sent = calloc((size_t)w->depth, sizeof *sent);  // send times, a ring in order
    size_t head = 0, tail = 0;
    char *in = malloc(1 << 16);
    size_t have = 0;
    for (int i = 0; i < w->depth; i++) {
        sent[tail++ % (size_t)w->depth] = now_ns();
        if (write(fd, frame, frame_len) != (ssize_t)frame_len) die("write");
    }
    for (;;) {
        ssize_t r = read(fd, in + have, (1 << 16) - have);
        if (r <= 0) die("read");
        have += (size_t)r;
        size_t off = 0;
        uint64_t t = now_ns();
        int replies = 0;
        while (have - off >= 4) {
            uint32_t len;
            memcpy(&len, in + off, 4);
            len = ntohl(len);
            if (have - off < 4 + len) break;
            off += 4 + len;
            uint64_t latency = t - sent[head++ % (size_t)w->depth];
            if (w->latency_count < w->latency_cap) w->latencies[w->latency_count++] = latency;
            w->calls++;
            replies++;
        }
        memmove(in, in + off, have - off);
        have -= off;
        if (t >= w->until) break;
        for (int i = 0; i < replies; i++) sent[tail++ % (size_t)w->depth] = t;
        // Send the replacements in one write, as a pipelining client would.
        for (int i = 0; i < replies; i++)
            if (write(fd, frame, frame_len) != (ssize_t)frame_len) die("write");
    }
    close(fd);
    return NULL;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        // Non-blocking, so a thread woken for a connection another thread took gets EAGAIN
        // instead of blocking in accept() while its own connections wait.
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
        if (listen(listen_fd, 128) < 0) die("listen");
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        pthread_t threads[64];
        for (long i = 0; i < cores && i < 64; i++) pthread_create(&threads[i], NULL, serve, NULL);
        pthread_join(threads[0], NULL);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "client") == 0) {
        int port = atoi(argv[2]), body = atoi(argv[3]), concurrency = atoi(argv[4]), connections = atoi(argv[5]);
        double seconds = atof(argv[6]);
        worker_t *workers = calloc((size_t)connections, sizeof *workers);
        pthread_t *threads = calloc((size_t)connections, sizeof *threads);
        uint64_t start = now_ns(), until = start + (uint64_t)(seconds * 1e9);
        for (int i = 0; i < connections; i++) {
            workers[i] = (worker_t){.port = port, .body = body, .depth = concurrency / connections, .until = until};
            if (workers[i].depth < 1) workers[i].depth = 1;
            workers[i].latency_cap = 20000000;
            workers[i].latencies = malloc(workers[i].latency_cap * sizeof(uint64_t));
            pthread_create(&threads[i], NULL, drive, &workers[i]);
        }
        uint64_t calls = 0;
        size_t count = 0;
        for (int i = 0; i < connections; i++) {
            pthread_join(threads[i], NULL);
            calls += workers[i].calls;
            count += workers[i].latency_count;
        }
        double elapsed = (double)(now_ns() - start) / 1e9;
        uint64_t *all = malloc(count * sizeof *all);
        size_t k = 0;
        for (int i = 0; i < connections; i++) {
            memcpy(all + k, workers[i].latencies, workers[i].latency_count * sizeof *all);
            k += workers[i].latency_count;
        }
        qsort(all, count, sizeof *all, compare);
        printf("{\"calls\":%llu,\"callsPerSecond\":%.0f,\"latencyMicros\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f}}\n",
               (unsigned long long)calls, (double)calls / elapsed, all[count / 2] / 1e3, all[count * 9 / 10] / 1e3,
               all[count * 99 / 100] / 1e3, all[count * 999 / 1000] / 1e3);
        return 0;
    }
    fprintf(stderr, "usage: raw-echo server PORT | raw-echo client PORT BODY_BYTES CONCURRENCY CONNECTIONS SECONDS\n");
    return 64;
}
