/* SPDX-License-Identifier: BSD-3-Clause */
/* libtoapeer: looks an accepted socket up in the reader's sk_storage map
 * (the kernel takes the socket's fd as the key). See toa_peer.h. */
#include "toa_peer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "toa_map.h"

int toa_peer_map_open(const char *pin_dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", pin_dir, TOA_PIN_PEERS);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = bpf_obj_get(path);
	if (n < 0) {
		errno = -n;
		return -1;
	}
	return n;
}

int toa_peer_lookup(int map_fd, int fd, struct sockaddr_in *addr)
{
	struct toa_peer_val val;
	int r = bpf_map_lookup_elem(map_fd, &fd, &val);

	if (r < 0) {
		/* ENOENT from the map: a socket without a record, i.e. the
		 * SYN carried no TOA; everything else is a real error */
		if (errno == ENOENT)
			return 0;
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = val.port;
	addr->sin_addr.s_addr = val.addr;
	return 1;
}

/* The default map, opened once for the process: -1 until then. */
static int default_map = -1;

int toa_peer(int fd, struct sockaddr_in *addr)
{
	int m = __atomic_load_n(&default_map, __ATOMIC_ACQUIRE);

	if (m < 0) {
		const char *dir = getenv("TOA_PIN_DIR");
		int expect = -1;

		m = toa_peer_map_open(dir && *dir ? dir : TOA_PIN_DIR);
		if (m < 0)
			return -1;
		/* two threads may both open it: one keeps its fd */
		if (!__atomic_compare_exchange_n(&default_map, &expect, m, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			close(m);
			m = expect;
		}
	}
	return toa_peer_lookup(m, fd, addr);
}
