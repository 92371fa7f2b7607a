/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libtoapeer: the client address of an accepted TCP connection, as the
 * Full-NAT balancer carried it in the SYN's TOA option, read from the
 * eBPF reader's map (tools/toabpf/toa_reader.bpf.c, attached with
 * `toa-peer attach CGROUP`). getpeername() keeps answering the real peer
 * (the balancer's local address); toa_peer() answers the client.
 *
 *     struct sockaddr_in client;
 *     int fd = accept(lfd, NULL, NULL);
 *     if (toa_peer(fd, &client) == 1)
 *             log_client(&client);      // the address behind the balancer
 *     else
 *             getpeername(fd, ...);      // no TOA: a direct connection
 *
 * Link with -ltoapeer -lbpf. Thread safe.
 */
#ifndef DPVS_TOA_PEER_H
#define DPVS_TOA_PEER_H

#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The client address carried by the TOA of socket `fd`'s SYN.
 * Returns 1 and fills *addr (AF_INET, address and port) when the SYN had
 * one, 0 when it had none (*addr untouched), -1 with errno on an error:
 * ENOENT: the reader's map is not pinned (no `toa-peer attach`);
 * EBADF, ENOTSOCK, EOPNOTSUPP: fd is no TCP socket.
 * The map is the one pinned in $TOA_PIN_DIR, else /sys/fs/bpf/toa.
 */
int toa_peer(int fd, struct sockaddr_in *addr);

/* The same against an explicit map: toa_peer_map_open(DIR) returns the fd
 * of DIR's pinned reader map (-1 and errno if none). */
int toa_peer_map_open(const char *pin_dir);
int toa_peer_lookup(int map_fd, int fd, struct sockaddr_in *addr);

#ifdef __cplusplus
}
#endif

#endif /* DPVS_TOA_PEER_H */
