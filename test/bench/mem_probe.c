/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem_probe: what this machine's memory does to a connection table that
 * outgrows the caches, measured without the balancer (issue 15 item 5:
 * the 10M-flow lookup rate depends on it more than on the table's code).
 *
 * 1. Translation reach. 4096 cache lines are read in a random dependent
 *    chain (each load's address comes from the one before), laid out three
 *    ways on hugepage memory:
 *      packed  - 64 consecutive 4 KiB pages (256 KiB, one 2 MiB page);
 *      4k      - one line in each of 4096 consecutive 4 KiB pages (16 MiB,
 *                eight 2 MiB pages);
 *      512k    - one line every 512 KiB (2 GiB, 1024 2 MiB pages).
 *    The lines and their cache sets are the same three times; only the
 *    pages differ. Where the CPU translates the 2 MiB pages as 2 MiB pages
 *    (bare metal, or a guest whose host also backs it with huge pages),
 *    "4k" costs what "packed" costs: eight TLB entries cover it. Where it
 *    translates them 4 KiB at a time (a guest whose host backs its memory
 *    with 4 KiB pages: the TLB holds the combined translation, at the
 *    smaller of the two sizes), "4k" needs 4096 TLB entries and costs a
 *    page walk a line, like "512k". The verdict line says which.
 *
 * 2. Dependent-load latency over the whole span (one line per 4 KiB page,
 *    random order): the price of one miss that nothing hides.
 *
 * 3. A table's lookups with work between them: N entries of 128 bytes and
 *    a bucket array of pointers (two buckets an entry), looked up 32 at a
 *    time with the prefetch passes a worker makes (buckets, then entries),
 *    each lookup followed by `--work` rounds of arithmetic that touch no
 *    memory (a worker's other per-packet work: ~60 rounds is ~200 cycles).
 *    Cycles per lookup at each N, and against the smallest N: what the
 *    table's size costs once there is work to hide it behind. With no work
 *    the misses of a burst overlap one another; with work, on a machine
 *    whose walks do not overlap the work, they add up.
 *
 * 4. The same table page-local (each entry in the 4 KiB page of its
 *    bucket: one page a lookup instead of two), to see what a layout that
 *    halves the page walks buys on this machine.
 *
 * A benchmark: it prints figures and writes JSON, it asserts nothing.
 * Needs free 2 MiB hugepages for --span (default 2048 MiB) plus the
 * largest table (about 160 bytes an entry); falls back to ordinary pages,
 * and says so, when there are not enough.
 *
 *   mem_probe [--span MiB] [--entries N[,N...]] [--work ROUNDS] [--json FILE]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <x86intrin.h>

#define LINE 64
#define PAGE4K 4096ul
#define HUGE2M (2ul << 20)
#define CHAIN_LINES 4096
#define BURST 32

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A mapping's length: whole 2 MiB pages. */
static inline size_t map_len(size_t len)
{
	return (len + HUGE2M - 1) & ~(HUGE2M - 1);
}

/* Memory of len bytes: hugepages when there are enough, else ordinary
 * pages; *huge tells which it got. */
static void *map(size_t len, bool *huge)
{
	void *p;

	len = map_len(len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	*huge = p != MAP_FAILED;
	if (p == MAP_FAILED) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED)
			madvise(p, len, MADV_NOHUGEPAGE); /* 4 KiB pages: no THP between */
	}
	if (p == MAP_FAILED) {
		fprintf(stderr, "mem_probe: mmap of %zu MiB: %s\n", len >> 20, strerror(errno));
		exit(1);
	}
	return p;
}

static void unmap(void *p, size_t len)
{
	munmap(p, map_len(len));
}

/* 0 .. n-1 in a random order (Fisher-Yates, the same for the same seed). */
static size_t *shuffled(size_t n, uint64_t seed)
{
	size_t *ord = malloc(n * sizeof(*ord));

	if (!ord) {
		fprintf(stderr, "mem_probe: no memory for %zu indexes\n", n);
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = splitmix(i ^ seed) % (i + 1), t = ord[i];

		ord[i] = ord[j];
		ord[j] = t;
	}
	return ord;
}

static double tsc_per_ns(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = __rdtsc();

	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000l + (b.tv_nsec - a.tv_nsec) < 50000000l);
	uint64_t t1 = __rdtsc();

	return (double)(t1 - t0) /
	       (double)((b.tv_sec - a.tv_sec) * 1000000000l + (b.tv_nsec - a.tv_nsec));
}

/* The address of line i of a layout: page i * stride, and in it a line
 * picked by a hash of i so that the lines spread over every cache set. */
static char *line_at(char *base, size_t i, size_t stride)
{
	size_t off = stride > LINE ? (splitmix(i) * LINE) & (stride - LINE) & (PAGE4K - LINE) : 0;

	if (stride > PAGE4K) /* any 4 KiB page of the stride, so all sets */
		off += (splitmix(i + 7) % (stride / PAGE4K)) * PAGE4K;
	return base + i * stride + off;
}

/* Cycles per load of a random dependent chain through n lines. */
static double chase(char *base, size_t n, size_t stride, size_t loads)
{
	size_t *ord = shuffled(n, 0);

	for (size_t i = 0; i < n; i++)
		*(char **)line_at(base, ord[i], stride) = line_at(base, ord[(i + 1) % n], stride);
	char *p = line_at(base, ord[0], stride);

	for (size_t i = 0; i < 2 * n; i++) /* warm: what fits is in cache */
		p = *(char **)p;
	uint64_t t0 = __rdtsc();

	for (size_t i = 0; i < loads; i++)
		p = *(char **)p;
	uint64_t t1 = __rdtsc();

	free(ord);
	__asm__ volatile("" : : "r"(p));
	return (double)(t1 - t0) / (double)loads;
}

/* ---- part 3: a bucket table with work between lookups ---- */

struct entry {
	struct entry *next;
	uint64_t key;
	char rest[112];
};

static inline uint64_t work(uint64_t x, unsigned rounds)
{
	for (unsigned k = 0; k < rounds; k++) {
		x = x * 0x9e3779b97f4a7c15ull + k;
		x ^= x >> 29;
	}
	return x;
}

struct table_result {
	size_t entries;
	double cycles_nowork, cycles_work;
};

/* A table of either layout: a bucket array of pointers (part 3) or 4 KiB
 * segments whose bucket heads are 32-bit references (part 4). */
struct table {
	struct entry **ht;
	size_t nb;
	char *seg;
	size_t nseg;
};

static inline uint32_t *seg_head(char *tab, size_t nseg, uint64_t key);

/* Cycles a lookup of random keys of the n entries, without and with work
 * after each; local: the segment layout (a constant at each call, so each
 * layout gets its own loop). */
static inline __attribute__((always_inline)) void
measure(const struct table *t, const bool local, size_t n, unsigned rounds, size_t lookups,
	struct table_result *r)
{
	uint64_t *q = malloc(lookups * sizeof(*q)), sink = 0, found = 0;

	if (!q)
		exit(1);
	for (size_t i = 0; i < lookups; i++)
		q[i] = splitmix(splitmix(i + 99) % n + 1000003) | 1;
	for (int pass = 0; pass < 2; pass++) {
		unsigned w = pass ? rounds : 0;
		uint64_t t0 = __rdtsc();

		for (size_t i = 0; i + BURST <= lookups; i += BURST) {
			const void *bp[BURST];
			const struct entry *e[BURST];

			for (int j = 0; j < BURST; j++) {
				bp[j] = local ? (const void *)seg_head(t->seg, t->nseg, q[i + j])
					      : (const void *)&t->ht[q[i + j] & (t->nb - 1)];
				_mm_prefetch((const char *)bp[j], _MM_HINT_T0);
			}
			for (int j = 0; j < BURST; j++) {
				if (local) {
					uint32_t ref = *(const uint32_t *)bp[j];

					e[j] = ref ? (const struct entry *)(const void *)(t->seg + ((size_t)ref << 6))
						   : NULL;
				} else {
					e[j] = *(struct entry *const *)bp[j];
				}
				if (e[j]) {
					_mm_prefetch((const char *)e[j], _MM_HINT_T0);
					_mm_prefetch((const char *)e[j] + LINE, _MM_HINT_T0);
				}
			}
			for (int j = 0; j < BURST; j++) {
				const struct entry *x = e[j];

				while (x && x->key != q[i + j])
					x = x->next;
				found += x != NULL;
				sink += work(found + (uint64_t)j, w);
			}
		}
		double c = (double)(__rdtsc() - t0) / (double)(lookups / BURST * BURST);

		if (pass)
			r->cycles_work = c;
		else
			r->cycles_nowork = c;
	}
	__asm__ volatile("" : : "r"(sink));
	if (found != 2 * (lookups / BURST * BURST))
		fprintf(stderr, "mem_probe: %s: %" PRIu64 " lookups missed\n",
			local ? "page-local" : "bucket array", 2 * (lookups / BURST * BURST) - found);
	r->entries = n;
	free(q);
}

static void table_run(size_t n, unsigned rounds, size_t lookups, struct table_result *r,
		      bool *huge)
{
	size_t nb = 1;
	bool h1, h2;

	while (nb < 2 * n)
		nb <<= 1;
	struct entry **ht = map(nb * sizeof(*ht), &h1);
	struct entry *pool = map(n * sizeof(*pool), &h2);

	*huge = h1 && h2;
	/* entries in random slots, as a table that has churned */
	size_t *slot = shuffled(n, 0x5bd1e995);

	for (size_t i = 0; i < n; i++) {
		struct entry *e = &pool[slot[i]];

		e->key = splitmix(i + 1000003) | 1;
		struct entry **b = &ht[e->key & (nb - 1)];

		e->next = *b;
		*b = e;
	}
	free(slot);
	measure(&(struct table){ .ht = ht, .nb = nb }, false, n, rounds, lookups, r);
	unmap(ht, nb * sizeof(*ht));
	unmap(pool, n * sizeof(*pool));
}

/*
 * Part 4: the same table laid out page-local: 4 KiB segments of a
 * 256-byte header (63 bucket heads, 32-bit references to entries) and 30
 * entries, each entry placed in the segment of its own bucket (the next
 * segment with room when that one is full), segments for 1.15 times the
 * entries (157 bytes an entry). A lookup then touches one 4 KiB page, the
 * bucket array's page and the entry's being the same: half the page walks
 * of part 3 where pages translate 4 KiB at a time.
 */
#define SEG_ENTRIES 30
#define SEG_HEADS 63
#define SEG_HDR 256

static inline uint32_t *seg_head(char *tab, size_t nseg, uint64_t key)
{
	size_t seg = (size_t)(((key & 0xffffffffull) * nseg) >> 32);
	unsigned b = 1 + (unsigned)(((key >> 32) * SEG_HEADS) >> 32);

	return (uint32_t *)(void *)(tab + seg * PAGE4K) + b;
}

static void table_run_local(size_t n, unsigned rounds, size_t lookups, struct table_result *r,
			    double *spilled, bool *huge)
{
	size_t nseg = (n * 115 / 100 + SEG_ENTRIES - 1) / SEG_ENTRIES, spill = 0;
	char *tab = map(nseg * PAGE4K, huge);

	for (size_t i = 0; i < n; i++) {
		uint64_t key = splitmix(i + 1000003) | 1;
		uint32_t *head = seg_head(tab, nseg, key);
		size_t seg = (size_t)((char *)head - tab) / PAGE4K;
		uint32_t *used = (uint32_t *)(void *)(tab + seg * PAGE4K); /* head[0]: entries */

		while (*used == SEG_ENTRIES) {
			seg = seg + 1 < nseg ? seg + 1 : 0;
			used = (uint32_t *)(void *)(tab + seg * PAGE4K);
			spill++;
		}
		struct entry *e = (struct entry *)(void *)(tab + seg * PAGE4K + SEG_HDR +
							   (*used)++ * sizeof(struct entry));

		e->key = key;
		e->next = *head ? (struct entry *)(void *)(tab + ((size_t)*head << 6)) : NULL;
		*head = (uint32_t)(((char *)e - tab) >> 6);
	}
	*spilled = (double)spill / (double)n;
	measure(&(struct table){ .seg = tab, .nseg = nseg }, true, n, rounds, lookups, r);
	unmap(tab, nseg * PAGE4K);
}

/* A whole decimal number in [lo, hi], or exit 2 saying which argument
 * was wrong. */
static uint64_t arg_num(const char *opt, const char *v, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || x < lo || x > hi) {
		fprintf(stderr, "mem_probe: %s '%s': a whole number from %" PRIu64 " to %" PRIu64
				" is needed\n", opt, v, lo, hi);
		exit(2);
	}
	return x;
}

#define ENTRIES_MAX 100000000ull /* 16 GB a table: more than any box here */

int main(int argc, char **argv)
{
	size_t span_mb = 2048, entries[8] = { 1000, 100000, 1000000, 10000000 };
	unsigned nentries = 4, rounds = 60;
	const char *json = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--span") && i + 1 < argc) {
			span_mb = arg_num("--span", argv[i + 1], 64, 1 << 20);
			i++;
		} else if (!strcmp(argv[i], "--entries") && i + 1 < argc) {
			char *tok = strtok(argv[++i], ",");

			for (nentries = 0; tok; tok = strtok(NULL, ",")) {
				if (nentries == 8) {
					fprintf(stderr, "mem_probe: --entries: at most 8 sizes\n");
					return 2;
				}
				entries[nentries++] = arg_num("--entries", tok, 1, ENTRIES_MAX);
			}
		} else if (!strcmp(argv[i], "--work") && i + 1 < argc) {
			rounds = (unsigned)arg_num("--work", argv[i + 1], 0, 100000);
			i++;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (i + 1 == argc && (!strcmp(argv[i], "--span") || !strcmp(argv[i], "--entries") ||
					     !strcmp(argv[i], "--work") || !strcmp(argv[i], "--json"))) {
			fprintf(stderr, "mem_probe: %s needs a value\n", argv[i]);
			return 2;
		} else {
			bool help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");

			fprintf(help ? stdout : stderr, "usage: mem_probe [--span MiB] [--entries N[,N...]] "
					"[--work ROUNDS] [--json FILE]\n"
					"  --span    MiB of 2 MiB hugepages for the translation "
					"and latency parts (default 2048, at least 64)\n"
					"  --entries table sizes of parts 3 and 4 (default "
					"1000,100000,1000000,10000000)\n"
					"  --work    arithmetic rounds after each lookup (default 60)\n");
			if (!help)
				fprintf(stderr, "mem_probe: unknown argument '%s'\n", argv[i]);
			return help ? 0 : 2;
		}
	}
	if (nentries == 0) {
		fprintf(stderr, "mem_probe: --entries: no size given\n");
		return 2;
	}
	const size_t span = span_mb << 20;
	const double per_ns = tsc_per_ns();
	bool huge, thuge = true;
	char *b = map(span, &huge);
	size_t wide = span / CHAIN_LINES; /* >= 16 KiB */

	wide = (size_t)1 << (63 - __builtin_clzll(wide));
	if (!huge)
		printf("mem_probe: no %zu MiB of free 2 MiB hugepages: ordinary pages (the "
		       "verdict then says nothing about hugepages)\n", span_mb);
	const size_t loads = 4000000;
	double packed = chase(b, CHAIN_LINES, LINE, loads);
	double p4k = chase(b, CHAIN_LINES, PAGE4K, loads);
	double pwide = chase(b, CHAIN_LINES, wide, loads);
	double lat = chase(b, span / PAGE4K, PAGE4K, loads / 4);
	/* 4 KiB translation: "4k" as dear as "wide"; 2 MiB: as cheap as packed */
	bool small = p4k > packed * 1.5 && p4k > packed + 0.5 * (pwide - packed);

	unmap(b, span);
	printf("tsc %.3f GHz; %s pages\n", per_ns, huge ? "2 MiB huge" : "4 KiB");
	printf("translation reach, %d lines in a dependent chain (cycles a load):\n", CHAIN_LINES);
	printf("  packed (64 x 4 KiB pages)        %7.1f\n", packed);
	printf("  4k     (4096 x 4 KiB, 16 MiB)    %7.1f\n", p4k);
	printf("  %-4zuk  (4096 lines, %zu MiB)     %7.1f\n", wide >> 10,
	       CHAIN_LINES * wide >> 20, pwide);
	printf("  verdict: %s\n",
	       !huge ? "no hugepages to judge"
	       : small ? "the CPU translates these 2 MiB pages 4 KiB at a time (a guest "
			 "whose host backs it with 4 KiB pages): hugepages give no TLB reach here"
		       : "2 MiB pages translate as 2 MiB pages: hugepages give their TLB reach");
	printf("dependent load over %zu MiB, one line a 4 KiB page: %.1f cycles, %.1f ns\n",
	       span_mb, lat, lat / per_ns);

	struct table_result tr[8];

	printf("table of N 128-byte entries, 2 buckets an entry, bursts of %d with "
	       "prefetch passes (cycles a lookup):\n", BURST);
	printf("%12s %12s %10s %14s %10s %12s\n", "entries", "no work", "vs first", "work",
	       "vs first", "added");
	for (unsigned i = 0; i < nentries; i++) {
		bool h;

		table_run(entries[i], rounds, 4000000, &tr[i], &h);
		thuge = thuge && h;
		printf("%12zu %12.1f %10.2f %14.1f %10.2f %12.1f\n", tr[i].entries,
		       tr[i].cycles_nowork, tr[0].cycles_nowork / tr[i].cycles_nowork,
		       tr[i].cycles_work, tr[0].cycles_work / tr[i].cycles_work,
		       tr[i].cycles_work - tr[0].cycles_work);
		fflush(stdout);
	}
	struct table_result lr[8];
	double spilled[8];

	printf("the same, page-local (an entry in its bucket's 4 KiB page):\n");
	printf("%12s %12s %10s %14s %10s %12s %10s\n", "entries", "no work", "vs first", "work",
	       "vs first", "added", "spilled");
	for (unsigned i = 0; i < nentries; i++) {
		bool h;

		table_run_local(entries[i], rounds, 4000000, &lr[i], &spilled[i], &h);
		thuge = thuge && h;
		printf("%12zu %12.1f %10.2f %14.1f %10.2f %12.1f %9.1f%%\n", lr[i].entries,
		       lr[i].cycles_nowork, lr[0].cycles_nowork / lr[i].cycles_nowork,
		       lr[i].cycles_work, lr[0].cycles_work / lr[i].cycles_work,
		       lr[i].cycles_work - lr[0].cycles_work, 100 * spilled[i]);
		fflush(stdout);
	}
	if (!thuge)
		printf("(some tables on 4 KiB pages: not enough free hugepages)\n");
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f) {
			fprintf(stderr, "mem_probe: %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(f,
			"{\"tool\": \"mem_probe\", \"tsc_ghz\": %.3f, \"hugepages\": %s, "
			"\"chain_lines\": %d, \"packed_cycles\": %.1f, \"p4k_cycles\": %.1f, "
			"\"wide_stride\": %zu, \"wide_cycles\": %.1f, \"translation_4k\": %s, "
			"\"span_mib\": %zu, \"latency_cycles\": %.1f, \"latency_ns\": %.1f, "
			"\"work_rounds\": %u, \"table_hugepages\": %s, \"tables\": [",
			per_ns, huge ? "true" : "false", CHAIN_LINES, packed, p4k, wide, pwide,
			huge && small ? "true" : "false", span_mb, lat, lat / per_ns, rounds,
			thuge ? "true" : "false");
		for (unsigned i = 0; i < nentries; i++)
			fprintf(f, "%s{\"entries\": %zu, \"cycles_nowork\": %.1f, \"cycles_work\": %.1f}",
				i ? ", " : "", tr[i].entries, tr[i].cycles_nowork, tr[i].cycles_work);
		fprintf(f, "], \"page_local\": [");
		for (unsigned i = 0; i < nentries; i++)
			fprintf(f,
				"%s{\"entries\": %zu, \"cycles_nowork\": %.1f, \"cycles_work\": %.1f, "
				"\"spilled\": %.4f}",
				i ? ", " : "", lr[i].entries, lr[i].cycles_nowork, lr[i].cycles_work,
				spilled[i]);
		fprintf(f, "]}\n");
		fclose(f);
	}
	return 0;
}
