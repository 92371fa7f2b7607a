/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn_hash: the keyed tuple hash of a whole burst (conn_hash.h), four
 * tuples to a 256-bit register where the CPU has AVX2.
 *
 * Why: SipHash-1-3 is 5 rounds of 14 dependent 64-bit operations, about
 * 100 instructions a packet done one tuple after another; the prefetch
 * pass hashes a whole burst anyway, and the four lanes run the same
 * operations. Rotations by 32 and 16 are one shuffle each, the others two
 * shifts and an OR (AVX2 has no 64-bit rotate). Chosen at run time: the
 * daemon is built for the baseline x86-64, the function alone for AVX2.
 */
#include <stdbool.h>
#include <stdint.h>

#include "ipvs/conn_hash.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

#define ROTL(x, b) _mm256_or_si256(_mm256_slli_epi64(x, b), _mm256_srli_epi64(x, 64 - (b)))
#define ROTL32(x) _mm256_shuffle_epi32(x, 0xb1)
#define ROTL16(x, m) _mm256_shuffle_epi8(x, m)

#define SIPROUND4(v0, v1, v2, v3, m16)                                                        \
	do {                                                                                   \
		v0 = _mm256_add_epi64(v0, v1);                                                 \
		v1 = ROTL(v1, 13);                                                             \
		v1 = _mm256_xor_si256(v1, v0);                                                 \
		v0 = ROTL32(v0);                                                               \
		v2 = _mm256_add_epi64(v2, v3);                                                 \
		v3 = ROTL16(v3, m16);                                                          \
		v3 = _mm256_xor_si256(v3, v2);                                                 \
		v0 = _mm256_add_epi64(v0, v3);                                                 \
		v3 = ROTL(v3, 21);                                                             \
		v3 = _mm256_xor_si256(v3, v0);                                                 \
		v2 = _mm256_add_epi64(v2, v1);                                                 \
		v1 = ROTL(v1, 17);                                                             \
		v1 = _mm256_xor_si256(v1, v2);                                                 \
		v2 = ROTL32(v2);                                                               \
	} while (0)

__attribute__((target("avx2"))) static void hash_burst_avx2(const struct ipvs_hash_key *k,
							   const uint64_t *m0, const uint64_t *m1,
							   uint64_t *out, unsigned n)
{
	/* rotate each 64-bit lane left by 16 bits: byte j takes byte j - 2 */
	const __m256i m16 = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13,
					     6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);
	const __m256i i0 = _mm256_set1_epi64x((long long)(0x736f6d6570736575ull ^ k->k0));
	const __m256i i1 = _mm256_set1_epi64x((long long)(0x646f72616e646f6dull ^ k->k1));
	const __m256i i2 = _mm256_set1_epi64x((long long)(0x6c7967656e657261ull ^ k->k0));
	const __m256i i3 = _mm256_set1_epi64x((long long)(0x7465646279746573ull ^ k->k1));
	const __m256i ff = _mm256_set1_epi64x(0xff);

	for (unsigned i = 0; i < n; i += 4) {
		const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(m0 + i));
		const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(m1 + i));
		__m256i v0 = i0, v1 = i1, v2 = i2, v3 = _mm256_xor_si256(i3, a);

		SIPROUND4(v0, v1, v2, v3, m16);
		v0 = _mm256_xor_si256(v0, a);
		v3 = _mm256_xor_si256(v3, b);
		SIPROUND4(v0, v1, v2, v3, m16);
		v0 = _mm256_xor_si256(v0, b);
		v2 = _mm256_xor_si256(v2, ff);
		SIPROUND4(v0, v1, v2, v3, m16);
		SIPROUND4(v0, v1, v2, v3, m16);
		SIPROUND4(v0, v1, v2, v3, m16);
		_mm256_storeu_si256((__m256i *)(void *)(out + i),
				    _mm256_xor_si256(_mm256_xor_si256(v0, v1),
						     _mm256_xor_si256(v2, v3)));
	}
}
#endif

static bool have_avx2(void)
{
#ifdef HAVE_AVX2_PATH
	/* every worker may ask first: each stores the same answer */
	static int known = -1;
	int v = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (__builtin_expect(v < 0, 0)) {
		v = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&known, v, __ATOMIC_RELAXED);
	}
	return v;
#else
	return false;
#endif
}

void ipvs_tuple_hash_burst(const struct ipvs_hash_key *k, const uint64_t *m0, const uint64_t *m1,
			   uint64_t *out, unsigned n)
{
#ifdef HAVE_AVX2_PATH
	if (have_avx2()) {
		hash_burst_avx2(k, m0, m1, out, n);
		return;
	}
#endif
	for (unsigned i = 0; i < n; i++)
		out[i] = ipvs_siphash13_2w(k, m0[i], m1[i]);
}
