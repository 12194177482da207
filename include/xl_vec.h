/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sets of interrupt vectors as 256-bit bitmaps, four u64 words with vector
 * v in bit v % 64 of word v / 64: the layout of the LAPIC's IRR and ISR
 * (SDM vol. 3 11.8.4) read as 64-bit words, used for those and for the
 * engine's and the shadow IDT's own vector sets. One copy, so that the
 * model's LAPIC, the engine and the tests' fake hardware cannot disagree
 * on which vector is "highest".
 */
#ifndef XL_VEC_H
#define XL_VEC_H

#include "xl_types.h"

#define XL_VEC_WORDS		(XL_NR_VECTORS / 64)

static inline bool xl_vec_test(const u64 *bm, unsigned int v)
{
	return v < XL_NR_VECTORS && (bm[v >> 6] >> (v & 63)) & 1;
}

/*
 * A vector past 255 is ignored rather than written to a neighbouring word:
 * callers pass values decoded from guest-controlled state.
 *
 * Plain stores: for sets only their owner writes (under its lock).
 */
static inline void xl_vec_set(u64 *bm, unsigned int v)
{
	if (v < XL_NR_VECTORS)
		bm[v >> 6] |= 1ULL << (v & 63);
}

static inline void xl_vec_clear(u64 *bm, unsigned int v)
{
	if (v < XL_NR_VECTORS)
		bm[v >> 6] &= ~(1ULL << (v & 63));
}

/* Atomic: for sets another CPU reads or writes at the same time. */
static inline void xl_vec_set_atomic(u64 *bm, unsigned int v)
{
	if (v < XL_NR_VECTORS)
		xl_test_and_set_bit64(v & 63, &bm[v >> 6]);
}

static inline void xl_vec_clear_atomic(u64 *bm, unsigned int v)
{
	if (v < XL_NR_VECTORS)
		xl_test_and_clear_bit64(v & 63, &bm[v >> 6]);
}

static inline bool xl_vec_empty_atomic(const u64 *bm)
{
	return !(__atomic_load_n(&bm[0], __ATOMIC_ACQUIRE) |
		 __atomic_load_n(&bm[1], __ATOMIC_ACQUIRE) |
		 __atomic_load_n(&bm[2], __ATOMIC_ACQUIRE) |
		 __atomic_load_n(&bm[3], __ATOMIC_ACQUIRE));
}

/*
 * The highest vector in @bm, or -1 when it is empty. The LAPIC's priority
 * is the vector's number (SDM 11.8.3.1), so this is the vector an EOI
 * retires and the one IRR presents next.
 */
static inline int xl_vec_highest(const u64 bm[XL_VEC_WORDS])
{
	int i;

	for (i = XL_VEC_WORDS - 1; i >= 0; i--)
		if (bm[i])
			return i * 64 + 63 - __builtin_clzll(bm[i]);
	return -1;
}

#endif /* XL_VEC_H */
