/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types, errno values and atomics shared by the mechanisms
 * (shadow-idt/, posted/, did-ipi/) in both of their homes: exitless.ko and
 * the userspace tests. The mechanisms include only this header for their
 * environment; nothing else from the kernel or libc.
 */
#ifndef XL_TYPES_H
#define XL_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

#define XL_BIT(n)		(1ULL << (n))
/* Mask of bits @hi..@lo inclusive, as in the SDM's "bits 15:8". */
#define XL_GENMASK(hi, lo)	((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

#define XL_NR_VECTORS		256
/* SDM 6.2: vectors 0-31 are reserved for exceptions. */
#define XL_FIRST_EXTERNAL_VECTOR 32

/*
 * Atomics on words that hardware (the CPU's posted-interrupt processing,
 * the IOMMU) or another CPU writes concurrently. GCC/clang builtins compile
 * to LOCK-prefixed instructions on x86 in both environments.
 */
static inline bool xl_test_and_set_bit64(unsigned int nr, u64 *word)
{
	u64 mask = 1ULL << (nr & 63);

	return __atomic_fetch_or(word, mask, __ATOMIC_SEQ_CST) & mask;
}

static inline bool xl_test_and_clear_bit64(unsigned int nr, u64 *word)
{
	u64 mask = 1ULL << (nr & 63);

	return __atomic_fetch_and(word, ~mask, __ATOMIC_SEQ_CST) & mask;
}

static inline u64 xl_xchg64(u64 *word, u64 val)
{
	return __atomic_exchange_n(word, val, __ATOMIC_SEQ_CST);
}

static inline bool xl_cmpxchg64(u64 *word, u64 *old, u64 new)
{
	return __atomic_compare_exchange_n(word, old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline u64 xl_load64(const u64 *word)
{
	return __atomic_load_n(word, __ATOMIC_SEQ_CST);
}

#endif /* XL_TYPES_H */
