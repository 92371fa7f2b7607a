/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * toa-peer: the real server's side of Full-NAT's TOA without a kernel
 * module. An operator attaches the eBPF reader to the cgroup the servers
 * run in; applications (or their logging) then ask toa_peer(fd) for the
 * client behind the balancer. The programs travel inside this binary.
 *
 *   toa-peer attach CGROUP [--pin DIR]       the reader on a cgroup v2 folder
 *   toa-peer detach [--pin DIR]              take it (or a claim) off again
 *   toa-peer stats [--pin DIR]               the reader's counters
 *   toa-peer serve PORT [--bind ADDR] [--count N] [--timeout SEC] [--pin DIR]
 *                                            a check server: answers each
 *                                            connection "peer A:P toa B:Q"
 *   toa-peer claim CGROUP ADDR:PORT [--pin DIR]
 *                                            testing without a balancer: SYNs
 *                                            from CGROUP carry a TOA claiming
 *                                            ADDR:PORT
 *
 * DIR is a folder on a bpf filesystem (default /sys/fs/bpf/toa, for a
 * claim /sys/fs/bpf/toa-claim); the attachment lives as long as DIR/link.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "toa_bpf_objs.h"
#include "toa_map.h"
#include "toa_peer.h"

#define BPF_FS_MAGIC	    0xcafe4a11
#define CGROUP2_SUPER_MAGIC 0x63677270
#define CLAIM_PIN_DIR	    "/sys/fs/bpf/toa-claim"

static void usage(FILE *f)
{
	fputs("Usage: toa-peer attach CGROUP [--pin DIR]\n"
	      "       toa-peer detach [--pin DIR]\n"
	      "       toa-peer stats [--pin DIR]\n"
	      "       toa-peer serve PORT [--bind ADDR] [--count N] [--timeout SEC] [--pin DIR]\n"
	      "       toa-peer claim CGROUP ADDR:PORT [--pin DIR]\n"
	      "CGROUP: a cgroup v2 folder (e.g. /sys/fs/cgroup/web); DIR: a folder on a\n"
	      "bpf filesystem, default " TOA_PIN_DIR " (claim: " CLAIM_PIN_DIR ").\n",
	      f);
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("toa-peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int pin_path(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* DIR on a bpffs (made if missing, *made says so): pins anywhere else
 * fail with an error that does not say why, so say it first. */
static int pin_dir_ready(const char *dir, int *made)
{
	struct statfs st;

	*made = mkdir(dir, 0700) == 0;
	if (!*made && errno != EEXIST)
		return fail("cannot create %s: %s (is a bpf filesystem mounted? "
			    "mount -t bpf bpf /sys/fs/bpf)",
			    dir, strerror(errno));
	if (statfs(dir, &st) < 0)
		return fail("%s: %s", dir, strerror(errno));
	if ((unsigned long)st.f_type != BPF_FS_MAGIC)
		return fail("%s is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf, or "
			    "--pin a folder on one)",
			    dir);
	return 0;
}

static int open_cgroup(const char *path)
{
	struct statfs st;
	int fd = open(path, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		fail("cgroup %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstatfs(fd, &st) < 0 || (unsigned long)st.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		fail("%s is not a cgroup v2 folder (cgroup v2 is mounted at /sys/fs/cgroup, "
		     "or /sys/fs/cgroup/unified on hybrid systems)",
		     path);
		return -1;
	}
	return fd;
}

/* "A.B.C.D:PORT" into network-order address and port. */
static int parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;
	struct in_addr in;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	if (inet_pton(AF_INET, host, &in) != 1)
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p == 0 || p > 65535)
		return -1;
	*addr = in.s_addr;
	*port = htons((uint16_t)p);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || end == s || *v > max ? -1 : 0;
}

/*
 * Loads one embedded object, attaches its program to the cgroup and pins
 * the link and the named maps under dir. On a failure nothing stays
 * pinned or attached.
 */
static int load_and_attach(const unsigned char *obj_buf, size_t obj_len, const char *obj_name,
			   const char *prog_name, const char *cgroup, const char *dir,
			   const char *const maps[][2], int nmaps, const struct toa_claim *claim)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = obj_name);
	char path[PATH_MAX], lpath[PATH_MAX];
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_link *link = NULL;
	int cg, i, pinned = 0, rc = 1, err, made = 0;

	if (pin_path(lpath, dir, TOA_PIN_LINK) < 0)
		return fail("pin folder name too long: %s", dir);
	if (access(lpath, F_OK) == 0)
		return fail("already attached: %s exists (toa-peer detach --pin %s first)", lpath,
			    dir);
	cg = open_cgroup(cgroup);
	if (cg < 0)
		return 1;
	if (pin_dir_ready(dir, &made))
		goto out;
	obj = bpf_object__open_mem(obj_buf, obj_len, &opts);
	if (!obj) {
		fail("cannot open the embedded %s object: %s", obj_name, strerror(errno));
		goto out;
	}
	err = bpf_object__load(obj);
	if (err) {
		fail("the kernel refused %s: %s (root and Linux 5.17 or later are needed; "
		     "TOA_PEER_DEBUG=1 shows the verifier's log)",
		     obj_name, strerror(-err));
		goto out;
	}
	if (claim) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, "toa_claim");
		uint32_t zero = 0;

		if (!m || bpf_map_update_elem(bpf_map__fd(m), &zero, claim, BPF_ANY)) {
			fail("cannot set the claim: %s", strerror(errno));
			goto out;
		}
	}
	for (; pinned < nmaps; pinned++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[pinned][0]);

		if (!m || pin_path(path, dir, maps[pinned][1]) < 0 ||
		    (err = bpf_map__pin(m, path)) != 0) {
			fail("cannot pin map %s at %s/%s: %s", maps[pinned][0], dir,
			     maps[pinned][1], m ? strerror(-err) : "not in the object");
			goto out;
		}
	}
	prog = bpf_object__find_program_by_name(obj, prog_name);
	link = prog ? bpf_program__attach_cgroup(prog, cg) : NULL;
	if (!link) {
		fail("cannot attach %s to %s: %s", prog_name, cgroup, strerror(errno));
		goto out;
	}
	err = bpf_link__pin(link, lpath);
	if (err) {
		fail("cannot pin the attachment at %s: %s", lpath, strerror(-err));
		goto out;
	}
	rc = 0;
out:
	if (rc) {
		for (i = 0; i < pinned; i++)
			if (pin_path(path, dir, maps[i][1]) == 0)
				unlink(path);
		if (made)
			rmdir(dir);
	}
	/* the pinned link keeps the program attached after we exit */
	bpf_link__destroy(link);
	bpf_object__close(obj);
	close(cg);
	return rc;
}

static int cmd_attach(const char *cgroup, const char *dir)
{
	static const char *const maps[][2] = {
	    {"toa_peers", TOA_PIN_PEERS},
	    {"toa_stats", TOA_PIN_STATS},
	};

	if (load_and_attach(toa_reader_obj, sizeof(toa_reader_obj), "toa_reader", "toa_reader",
			    cgroup, dir, maps, 2, NULL))
		return 1;
	printf("toa reader attached to %s (pinned under %s); listeners opened from now on "
	       "record their clients' TOA\n",
	       cgroup, dir);
	return 0;
}

static int cmd_claim(const char *cgroup, const char *addr_port, const char *dir)
{
	static const char *const maps[][2] = {{"toa_claim", TOA_PIN_CLAIM}};
	struct toa_claim c = {.set = 1};

	if (parse_addr_port(addr_port, &c.addr, &c.port))
		return fail("claim: '%s' is not an IPv4 ADDR:PORT (e.g. 203.0.113.7:40000)",
			    addr_port);
	if (load_and_attach(toa_writer_obj, sizeof(toa_writer_obj), "toa_writer", "toa_writer",
			    cgroup, dir, maps, 1, &c))
		return 1;
	printf("SYNs from %s now carry a TOA claiming %s (pinned under %s)\n", cgroup, addr_port,
	       dir);
	return 0;
}

static int cmd_detach(const char *dir)
{
	static const char *const names[] = {TOA_PIN_PEERS, TOA_PIN_STATS, TOA_PIN_CLAIM};
	char path[PATH_MAX];
	int fd;

	if (pin_path(path, dir, TOA_PIN_LINK) < 0)
		return fail("pin folder name too long: %s", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fail("nothing attached under %s (%s: %s)", dir, path, strerror(errno));
	/* detach first: another process holding the link keeps it alive,
	 * but a detached link no longer runs */
	if (bpf_link_detach(fd))
		fprintf(stderr, "toa-peer: warning: detaching %s: %s\n", path, strerror(errno));
	close(fd);
	unlink(path);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pin_path(path, dir, names[i]) == 0)
			unlink(path);
	rmdir(dir);
	printf("detached (%s removed)\n", dir);
	return 0;
}

static int cmd_stats(const char *dir)
{
	static const char *const names[TOA_STAT_MAX] = TOA_STAT_NAMES;
	char path[PATH_MAX];
	int fd;

	if (pin_path(path, dir, TOA_PIN_STATS) < 0)
		return fail("pin folder name too long: %s", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fail("no reader under %s (%s: %s); toa-peer attach CGROUP first", dir, path,
			    strerror(errno));
	for (uint32_t i = 0; i < TOA_STAT_MAX; i++) {
		uint64_t v = 0;

		if (bpf_map_lookup_elem(fd, &i, &v)) {
			close(fd);
			return fail("reading counter %s: %s", names[i], strerror(errno));
		}
		printf("%s %llu\n", names[i], (unsigned long long)v);
	}
	close(fd);
	return 0;
}

static void fmt_sin(char *buf, size_t len, const struct sockaddr_in *sin)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
}

/* One connection: "peer A:P toa B:Q" (or "toa none") to the client and
 * to stdout, through toa_peer() as an application would call it. */
static int answer(int c)
{
	struct sockaddr_in peer, client;
	socklen_t sl = sizeof(peer);
	char p[64], t[64], line[160];
	int r;

	if (getpeername(c, (struct sockaddr *)&peer, &sl) < 0)
		return fail("getpeername: %s", strerror(errno));
	r = toa_peer(c, &client);
	if (r < 0)
		return fail("toa_peer: %s", strerror(errno));
	fmt_sin(p, sizeof(p), &peer);
	if (r == 1)
		fmt_sin(t, sizeof(t), &client);
	else
		snprintf(t, sizeof(t), "none");
	snprintf(line, sizeof(line), "peer %s toa %s\n", p, t);
	fputs(line, stdout);
	fflush(stdout);
	/* a client that left early is its own business */
	if (write(c, line, strlen(line)) < 0)
		fprintf(stderr, "toa-peer: answering %s: %s\n", p, strerror(errno));
	return 0;
}

static int cmd_serve(const char *port_s, const char *bind_s, unsigned long count,
		     unsigned long timeout_s, const char *dir)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	unsigned long port, served = 0;
	time_t deadline = timeout_s ? time(NULL) + (time_t)timeout_s : 0;
	int map, l, one = 1, rc = 0;

	if (parse_uint(port_s, 65535, &port) || port == 0)
		return fail("serve: port '%s' is not 1-65535", port_s);
	sin.sin_port = htons((uint16_t)port);
	if (bind_s && inet_pton(AF_INET, bind_s, &sin.sin_addr) != 1)
		return fail("serve: --bind '%s' is not an IPv4 address", bind_s);
	/* toa_peer() finds the map through TOA_PIN_DIR; fail now, not at
	 * the first client, if there is none */
	map = toa_peer_map_open(dir);
	if (map < 0)
		return fail("no reader under %s (%s); toa-peer attach CGROUP first", dir,
			    strerror(errno));
	close(map);
	if (setenv("TOA_PIN_DIR", dir, 1) < 0)
		return fail("setenv: %s", strerror(errno));
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 128) < 0) {
		rc = fail("serve: cannot listen on %s:%lu: %s", bind_s ? bind_s : "0.0.0.0", port,
			  strerror(errno));
		goto out;
	}
	printf("listening on %s:%lu\n", bind_s ? bind_s : "0.0.0.0", port);
	fflush(stdout);
	while (!count || served < count) {
		struct pollfd pfd = {.fd = l, .events = POLLIN};
		int wait_ms = -1, c;

		if (deadline) {
			time_t left = deadline - time(NULL);

			if (left <= 0) {
				rc = fail("serve: --timeout %lu s passed after %lu connection(s)",
					  timeout_s, served);
				goto out;
			}
			wait_ms = (int)left * 1000;
		}
		if (poll(&pfd, 1, wait_ms) <= 0)
			continue; /* timeout (checked above) or a signal */
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		rc |= answer(c);
		close(c);
		served++;
	}
out:
	if (l >= 0)
		close(l);
	return rc;
}

int main(int argc, char **argv)
{
	const char *pos[3] = {NULL}, *dir = NULL, *bind_s = NULL, *cmd;
	unsigned long count = 0, timeout_s = 0;
	int npos = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--pin") || !strcmp(a, "--bind") || !strcmp(a, "--count") ||
		    !strcmp(a, "--timeout")) {
			if (i + 1 >= argc)
				return fail("%s needs a value", a);
			const char *v = argv[++i];

			if (!strcmp(a, "--pin"))
				dir = v;
			else if (!strcmp(a, "--bind"))
				bind_s = v;
			else if (parse_uint(v, !strcmp(a, "--count") ? 1000000 : 86400,
					    !strcmp(a, "--count") ? &count : &timeout_s))
				return fail("%s '%s' is not a number (at most %s)", a, v,
					    !strcmp(a, "--count") ? "1000000" : "86400 seconds");
		} else if (a[0] == '-' && a[1]) {
			usage(stderr);
			return fail("unknown option '%s'", a);
		} else if (npos < 3) {
			pos[npos++] = a;
		} else {
			return fail("too many arguments ('%s')", a);
		}
	}
	/* our messages say what went wrong; TOA_PEER_DEBUG=1 adds libbpf's
	 * (the verifier's log when the kernel refuses a program) */
	if (!getenv("TOA_PEER_DEBUG"))
		libbpf_set_print(NULL);
	if (!strcmp(cmd, "attach") && npos == 1)
		return cmd_attach(pos[0], dir ? dir : TOA_PIN_DIR);
	if (!strcmp(cmd, "claim") && npos == 2)
		return cmd_claim(pos[0], pos[1], dir ? dir : CLAIM_PIN_DIR);
	if (!strcmp(cmd, "detach") && npos == 0)
		return cmd_detach(dir ? dir : TOA_PIN_DIR);
	if (!strcmp(cmd, "stats") && npos == 0)
		return cmd_stats(dir ? dir : TOA_PIN_DIR);
	if (!strcmp(cmd, "serve") && npos == 1)
		return cmd_serve(pos[0], bind_s, count, timeout_s, dir ? dir : TOA_PIN_DIR);
	usage(stderr);
	if (strcmp(cmd, "attach") && strcmp(cmd, "claim") && strcmp(cmd, "detach") &&
	    strcmp(cmd, "stats") && strcmp(cmd, "serve"))
		return fail("unknown command '%s'", cmd);
	return fail("%s: wrong number of arguments", cmd);
}
