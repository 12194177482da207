// SPDX-License-Identifier: GPL-2.0
/*
 * xl-rr: UDP request/response latency, one request in flight at a time.
 *
 *   xl-rr server --port P [--bind ADDR] [--duration S]
 *   xl-rr client --host H --port P --duration S [--size N] [--timeout-ms T]
 *
 * The server sends every datagram back unchanged. The client sends a
 * request (8-byte sequence number + padding to --size bytes), waits for
 * the matching reply, records the round trip (CLOCK_MONOTONIC) and sends
 * the next one, for --duration seconds. bench/run runs the server in the
 * guest and the client on the host: each request is then a receive
 * interrupt in the guest, the path the delivery modes change.
 *
 * Latencies go into a log-linear histogram (exact below 128 ns, then 64
 * buckets per power of two: a percentile is within 1.6% of the true
 * value); min, max and mean are exact.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define RR_MIN_SIZE	8		/* the sequence number */
#define RR_MAX_SIZE	65507		/* largest UDP payload over IPv4 */
#define RR_MAX_SECONDS	86400
#define HIST_EXACT	128
#define HIST_SUB	64
#define HIST_BUCKETS	(HIST_SUB * 64 + HIST_EXACT)

enum { RR_OK = 0, RR_FAIL = 1, RR_USAGE = 2 };

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: xl-rr server --port P [--bind ADDR] [--duration S]\n"
"       xl-rr client --host H --port P --duration S [--size N] [--timeout-ms T]\n"
"\n"
"UDP request/response: the client keeps one request in flight, the server\n"
"sends each datagram back unchanged.\n"
"\n"
"server:\n"
"  --port P        UDP port, 0-65535 (0: the kernel picks one; the port is\n"
"                  printed as \"xl-rr server: listening on port N\")\n"
"  --bind ADDR     local address (default: every address, IPv6 and IPv4)\n"
"  --duration S    stop after S seconds (default: at SIGINT or SIGTERM)\n"
"  Last line: RESULT role=server port=.. requests=.. bytes=..\n"
"\n"
"client:\n"
"  --host H        server name or address\n"
"  --port P        server port, 1-65535\n"
"  --duration S    seconds to run, 1-%d\n"
"  --size N        request and reply size in bytes, %d-%d (default 64)\n"
"  --timeout-ms T  a request unanswered after T ms counts as lost and the\n"
"                  next one is sent, 1-60000 (default 1000)\n"
"  Prints transactions/s, min/mean/p50/p99/max round-trip latency in us\n"
"  (p50/p99 within 1.6%%), then:\n"
"  RESULT role=client host=.. port=.. size=.. seconds=.. transactions=..\n"
"         tps=.. min_us=.. mean_us=.. p50_us=.. p99_us=.. max_us=.. lost=..\n"
"         refused=..\n"
"\n"
"exit status: 0 ok, 1 failure (socket errors; client: no reply at all),\n"
"2 bad command line\n", RR_MAX_SECONDS, RR_MIN_SIZE, RR_MAX_SIZE);
}

/* A whole decimal number in [lo, hi], or -1 with a message. */
static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "xl-rr: %s '%s': want a whole number %ld-%ld\n",
			opt, s, lo, hi);
		return -1;
	}
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- histogram ---- */

static unsigned int hist_index(uint64_t ns)
{
	int shift;

	if (ns < HIST_EXACT)
		return (unsigned int)ns;
	shift = 63 - __builtin_clzll(ns) - 6;	/* keep the top 7 bits */
	return (unsigned int)(shift * HIST_SUB + (ns >> shift));
}

/* The middle of bucket i, in ns. */
static double hist_value(unsigned int i)
{
	unsigned int shift;
	uint64_t lo;

	if (i < HIST_EXACT)
		return i;
	shift = i / HIST_SUB - 1;
	lo = (uint64_t)(i % HIST_SUB + HIST_SUB) << shift;
	return (double)lo + (double)((1ull << shift) - 1) / 2.0;
}

/* The value at fraction q (0 < q <= 1) of n samples, in ns. */
static double hist_quantile(const uint64_t *h, uint64_t n, double q)
{
	uint64_t want = (uint64_t)(q * (double)n + 0.999999), seen = 0;
	unsigned int i;

	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h[i];
		if (seen >= want)
			return hist_value(i);
	}
	return 0;
}

/* ---- server ---- */

static int server_socket(const char *bind_addr, long port)
{
	struct addrinfo hints, *ai, *a;
	char pstr[24];
	int fd = -1, err, off = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(pstr, sizeof(pstr), "%ld", port);
	err = getaddrinfo(bind_addr, pstr, &hints, &ai);
	if (err) {
		fprintf(stderr, "xl-rr server: --bind %s: %s\n",
			bind_addr ? bind_addr : "(any)", gai_strerror(err));
		return -1;
	}
	/* With no --bind, prefer "::" with IPv4 mapped in, so one socket
	 * answers both families. */
	for (a = ai; a && fd < 0 && !bind_addr; a = a->ai_next) {
		if (a->ai_family != AF_INET6)
			continue;
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, a->ai_addr, a->ai_addrlen)) {
			close(fd);
			fd = -1;
		}
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		if (bind(fd, a->ai_addr, a->ai_addrlen)) {
			err = errno;
			close(fd);
			fd = -1;
			errno = err;
		}
	}
	if (fd < 0)
		fprintf(stderr, "xl-rr server: cannot bind UDP port %ld: %s\n",
			port, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int run_server(const char *bind_addr, long port, long duration)
{
	static char buf[65536];
	uint64_t deadline = 0, requests = 0, bytes = 0;
	struct sockaddr_storage peer;
	struct pollfd pfd;
	socklen_t plen;
	ssize_t n;
	int fd, ms, rc = RR_OK;

	fd = server_socket(bind_addr, port);
	if (fd < 0)
		return RR_FAIL;
	port = local_port(fd);
	printf("xl-rr server: listening on port %ld\n", port);
	if (duration > 0)
		deadline = now_ns() + (uint64_t)duration * 1000000000ull;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop_flag) {
		ms = -1;
		if (deadline) {
			uint64_t t = now_ns();

			if (t >= deadline)
				break;
			ms = (int)((deadline - t + 999999) / 1000000);
		}
		if (poll(&pfd, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xl-rr server: poll: %s\n", strerror(errno));
			rc = RR_FAIL;
			break;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &plen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "xl-rr server: recvfrom: %s\n", strerror(errno));
			rc = RR_FAIL;
			break;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) < 0 &&
		    errno != EINTR)
			fprintf(stderr, "xl-rr server: sendto: %s\n", strerror(errno));
		requests++;
		bytes += (uint64_t)n;
	}
	close(fd);
	printf("RESULT role=server port=%ld requests=%llu bytes=%llu\n", port,
	       (unsigned long long)requests, (unsigned long long)bytes);
	return rc;
}

/* ---- client ---- */

static int client_socket(const char *host, long port)
{
	struct addrinfo hints, *ai, *a;
	char pstr[24];
	int fd = -1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(pstr, sizeof(pstr), "%ld", port);
	err = getaddrinfo(host, pstr, &hints, &ai);
	if (err) {
		fprintf(stderr, "xl-rr client: --host %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen)) {
			err = errno;
			close(fd);
			fd = -1;
			errno = err;
		}
	}
	if (fd < 0)
		fprintf(stderr, "xl-rr client: cannot reach %s port %ld: %s\n",
			host, port, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

struct rr_stats {
	uint64_t n, lost, refused, sum_ns, min_ns, max_ns;
	uint64_t *hist;
};

/*
 * Wait for the reply carrying seq until deadline_ns. Returns 1 on the
 * reply, 0 on timeout or stop, -1 when the server's port is closed
 * (ICMP port unreachable), -2 on another error.
 */
static int await_reply(int fd, char *buf, size_t size, uint64_t seq,
		       uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t got, t;
	ssize_t n;

	while (!stop_flag) {
		t = now_ns();
		if (t >= deadline_ns)
			return 0;
		if (poll(&pfd, 1, (int)((deadline_ns - t + 999999) / 1000000)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xl-rr client: poll: %s\n", strerror(errno));
			return -2;
		}
		if (!(pfd.revents & (POLLIN | POLLERR)))
			continue;
		n = recv(fd, buf, size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ECONNREFUSED)
				return -1;
			fprintf(stderr, "xl-rr client: recv: %s\n", strerror(errno));
			return -2;
		}
		if ((size_t)n != size)
			continue;	/* not ours */
		memcpy(&got, buf, sizeof(got));
		if (got == seq)
			return 1;
		/* a late reply to a request already counted as lost */
	}
	return 0;
}

static int run_client(const char *host, long port, long duration, long size,
		      long timeout_ms)
{
	struct rr_stats st = { .min_ns = UINT64_MAX };
	uint64_t start, end, t0, t1, seq = 0;
	char *req = NULL, *rep = NULL;
	double secs, mean_us;
	int fd, r, rc = RR_OK;

	fd = client_socket(host, port);
	if (fd < 0)
		return RR_FAIL;
	req = calloc(1, (size_t)size);
	rep = calloc(1, (size_t)size);
	st.hist = calloc(HIST_BUCKETS, sizeof(*st.hist));
	if (!req || !rep || !st.hist) {
		fprintf(stderr, "xl-rr client: out of memory\n");
		rc = RR_FAIL;
		goto out;
	}
	start = now_ns();
	end = start + (uint64_t)duration * 1000000000ull;
	while (!stop_flag && (t0 = now_ns()) < end) {
		seq++;
		memcpy(req, &seq, sizeof(seq));
		if (send(fd, req, (size_t)size, 0) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED) {
				st.refused++;
				usleep(10000);
				continue;
			}
			fprintf(stderr, "xl-rr client: send: %s\n", strerror(errno));
			rc = RR_FAIL;
			break;
		}
		r = await_reply(fd, rep, (size_t)size, seq,
				t0 + (uint64_t)timeout_ms * 1000000ull);
		t1 = now_ns();
		if (r == 1) {
			uint64_t d = t1 - t0;

			st.n++;
			st.sum_ns += d;
			if (d < st.min_ns)
				st.min_ns = d;
			if (d > st.max_ns)
				st.max_ns = d;
			st.hist[hist_index(d)]++;
		} else if (r == 0) {
			if (!stop_flag)
				st.lost++;
		} else if (r == -1) {
			st.refused++;
			usleep(10000);	/* no server (yet): do not spin */
		} else {
			rc = RR_FAIL;
			break;
		}
	}
	secs = (double)(now_ns() - start) / 1e9;
	if (!st.n) {
		fprintf(stderr, "xl-rr client: no reply from %s port %ld in %.1f s "
			"(%llu sent, %llu refused: is `xl-rr server --port %ld` running there?)\n",
			host, port, secs, (unsigned long long)seq,
			(unsigned long long)st.refused, port);
		st.min_ns = 0;
		rc = RR_FAIL;
	}
	mean_us = st.n ? (double)st.sum_ns / (double)st.n / 1e3 : 0;
	printf("xl-rr client: %s port %ld, %ld-byte requests, %.2f s\n",
	       host, port, size, secs);
	printf("  transactions %llu (%.1f/s), lost %llu, refused %llu\n",
	       (unsigned long long)st.n, st.n / secs,
	       (unsigned long long)st.lost, (unsigned long long)st.refused);
	printf("  latency us: min %.1f  mean %.1f  p50 %.1f  p99 %.1f  max %.1f\n",
	       st.min_ns / 1e3, mean_us,
	       st.n ? hist_quantile(st.hist, st.n, 0.50) / 1e3 : 0,
	       st.n ? hist_quantile(st.hist, st.n, 0.99) / 1e3 : 0,
	       st.max_ns / 1e3);
	printf("RESULT role=client host=%s port=%ld size=%ld seconds=%.2f "
	       "transactions=%llu tps=%.1f min_us=%.1f mean_us=%.1f p50_us=%.1f "
	       "p99_us=%.1f max_us=%.1f lost=%llu refused=%llu\n",
	       host, port, size, secs, (unsigned long long)st.n, st.n / secs,
	       st.min_ns / 1e3, mean_us,
	       st.n ? hist_quantile(st.hist, st.n, 0.50) / 1e3 : 0,
	       st.n ? hist_quantile(st.hist, st.n, 0.99) / 1e3 : 0,
	       st.max_ns / 1e3, (unsigned long long)st.lost,
	       (unsigned long long)st.refused);
out:
	free(st.hist);
	free(req);
	free(rep);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *host = NULL, *bind_addr = NULL, *role;
	long port = -1, duration = -1, size = 64, timeout_ms = 1000;
	int i, server;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* lines reach a pipe or ssh at once */
	if (argc < 2) {
		usage(stderr);
		return RR_USAGE;
	}
	role = argv[1];
	if (!strcmp(role, "-h") || !strcmp(role, "--help")) {
		usage(stdout);
		return RR_OK;
	}
	if (strcmp(role, "server") && strcmp(role, "client")) {
		fprintf(stderr, "xl-rr: first argument must be server or client, not '%s' (--help)\n",
			role);
		return RR_USAGE;
	}
	server = !strcmp(role, "server");
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return RR_OK;
		}
		if (strncmp(o, "--", 2) || !v) {
			fprintf(stderr, "xl-rr: %s: %s (--help)\n", o,
				strncmp(o, "--", 2) ? "unexpected argument" : "needs a value");
			return RR_USAGE;
		}
		i++;
		if (!strcmp(o, "--port"))
			port = parse_num(o, v, server ? 0 : 1, 65535);
		else if (!strcmp(o, "--duration"))
			duration = parse_num(o, v, 1, RR_MAX_SECONDS);
		else if (server && !strcmp(o, "--bind"))
			bind_addr = v;
		else if (!server && !strcmp(o, "--host"))
			host = v;
		else if (!server && !strcmp(o, "--size"))
			size = parse_num(o, v, RR_MIN_SIZE, RR_MAX_SIZE);
		else if (!server && !strcmp(o, "--timeout-ms"))
			timeout_ms = parse_num(o, v, 1, 60000);
		else {
			fprintf(stderr, "xl-rr %s: unknown option %s (--help)\n", role, o);
			return RR_USAGE;
		}
		if (port == -1 && !strcmp(o, "--port"))
			return RR_USAGE;
		if ((duration == -1 && !strcmp(o, "--duration")) || size < 0 || timeout_ms < 0)
			return RR_USAGE;
	}
	if (port < 0) {
		fprintf(stderr, "xl-rr %s: --port is needed (--help)\n", role);
		return RR_USAGE;
	}
	catch_signals();
	if (server)
		return run_server(bind_addr, port, duration > 0 ? duration : 0);
	if (!host || duration < 0) {
		fprintf(stderr, "xl-rr client: --host and --duration are needed (--help)\n");
		return RR_USAGE;
	}
	return run_client(host, port, duration, size, timeout_ms);
}
