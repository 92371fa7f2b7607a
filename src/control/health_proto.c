/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health_proto: the bytes of the HTTP and DNS probes, with no socket in
 * sight so that unit tests feed them directly. Answers come from the
 * network: every read is bounded by the length received, a malformed
 * answer is a failed probe with a reason, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dpvs/health.h"
#include "control/health.h"

/* ---- HTTP ---- */

int health_http_status(const char *buf, size_t len)
{
	/* "HTTP/1.1 200 OK\r\n": 12 bytes hold the code; the 13th says it
	 * ends there (a blank, or the line's end when there is no reason) */
	static const char proto[] = "HTTP/";
	size_t n = len < 5 ? len : 5;
	int code = 0;

	if (memcmp(buf, proto, n) != 0)
		return -EBADMSG;
	if (len < 13)
		goto partial;
	if (buf[5] < '0' || buf[5] > '9' || buf[6] != '.' || buf[7] < '0' || buf[7] > '9' ||
	    buf[8] != ' ')
		return -EBADMSG;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		code = code * 10 + (buf[i] - '0');
	}
	if (buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n')
		return -EBADMSG;
	return code >= 100 && code <= 599 ? code : -EBADMSG;
partial:
	/* what has come so far must still be able to become a status line */
	for (size_t i = 5; i < len; i++) {
		bool ok = i == 6   ? buf[i] == '.'
			  : i == 8 ? buf[i] == ' '
				   : (buf[i] >= '0' && buf[i] <= '9');

		if (i == 12)
			break;
		if (!ok)
			return -EBADMSG;
	}
	return 0;
}

int health_http_request(char *buf, size_t len, const char *path, const char *host)
{
	int n = snprintf(buf, len,
			 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: dpvs-health\r\n"
			 "Connection: close\r\n\r\n",
			 path, host);

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* ---- DNS (RFC 1035 section 4) ---- */

#define DNS_HDR	     12
#define DNS_QR	     0x8000
#define DNS_RD	     0x0100
#define DNS_RCODE    0x000f
#define DNS_TYPE_A   1
#define DNS_CLASS_IN 1

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int health_dns_query(uint8_t *buf, size_t len, uint16_t id, const char *name, uint16_t qtype)
{
	size_t off = DNS_HDR, nlen = strlen(name);

	/* labels plus their length bytes, the root label, type and class */
	if (nlen == 0 || nlen > 253)
		return -EINVAL;
	if (len < DNS_HDR + nlen + 2 + 4)
		return -ENOSPC;
	memset(buf, 0, DNS_HDR);
	put16(buf, id);
	put16(buf + 2, DNS_RD);
	put16(buf + 4, 1); /* one question */
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63)
			return -EINVAL;
		buf[off++] = (uint8_t)l;
		memcpy(buf + off, p, l);
		off += l;
		p += l;
		if (*p == '.' && *++p == '\0')
			break; /* "example.com." : the root is written below */
	}
	buf[off++] = 0;
	put16(buf + off, qtype);
	put16(buf + off + 2, DNS_CLASS_IN);
	return (int)(off + 4);
}

/* Skips a (possibly compressed) name at off; the offset after it, or 0
 * when it runs past the message or loops. */
static size_t skip_name(const uint8_t *buf, size_t len, size_t off)
{
	for (int labels = 0; labels < 128; labels++) {
		if (off >= len)
			return 0;
		uint8_t l = buf[off];

		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0) /* a pointer ends the name */
			return off + 2 <= len ? off + 2 : 0;
		if (l & 0xc0)
			return 0; /* reserved label types */
		off += 1u + l;
	}
	return 0;
}

int health_dns_check(const uint8_t *buf, size_t len, uint16_t id, uint32_t expect_be, char *why,
		     size_t wlen)
{
	static const char *const rcodes[] = {"NOERROR",	 "FORMERR", "SERVFAIL",
					     "NXDOMAIN", "NOTIMP",  "REFUSED"};
	size_t off = DNS_HDR;
	uint16_t flags, qd, an;
	char a[INET_ADDRSTRLEN];

	if (len < DNS_HDR)
		return snprintf(why, wlen, "dns: %zu bytes, shorter than a header", len), -EBADMSG;
	flags = get16(buf + 2);
	qd = get16(buf + 4);
	an = get16(buf + 6);
	if (get16(buf) != id)
		return snprintf(why, wlen, "dns: answer id %u, asked %u", get16(buf), id), -EBADMSG;
	if (!(flags & DNS_QR))
		return snprintf(why, wlen, "dns: a query, not an answer"), -EBADMSG;
	if (flags & DNS_RCODE) {
		unsigned rc = flags & DNS_RCODE;

		snprintf(why, wlen, "dns: %s", rc < 6 ? rcodes[rc] : "error");
		if (rc >= 6)
			snprintf(why, wlen, "dns: rcode %u", rc);
		return -ENOENT;
	}
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(buf, len, off);
		if (!off || off + 4 > len)
			return snprintf(why, wlen, "dns: question %u cut short", i + 1), -EBADMSG;
		off += 4;
	}
	if (an == 0)
		return snprintf(why, wlen, "dns: no answer record"), -ENOENT;
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, class, rdlen;

		off = skip_name(buf, len, off);
		if (!off || off + 10 > len)
			return snprintf(why, wlen, "dns: answer %u cut short", i + 1), -EBADMSG;
		type = get16(buf + off);
		class = get16(buf + off + 2);
		rdlen = get16(buf + off + 8);
		off += 10;
		if (off + rdlen > len)
			return snprintf(why, wlen, "dns: answer %u cut short", i + 1), -EBADMSG;
		if (!expect_be)
			return 0; /* any answer will do */
		if (type == DNS_TYPE_A && class == DNS_CLASS_IN && rdlen == 4 &&
		    memcmp(buf + off, &expect_be, 4) == 0)
			return 0;
		off += rdlen;
	}
	inet_ntop(AF_INET, &expect_be, a, sizeof(a));
	snprintf(why, wlen, "dns: %u answer%s, none is %s", an, an == 1 ? "" : "s", a);
	return -ENOENT;
}
