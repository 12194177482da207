// SPDX-License-Identifier: GPL-2.0
/*
 * posted/: PI descriptor protocol (SDM 29.6, VT-d 9.12), NDST encodings,
 * posted/remapped IRTE images (VT-d 9.10/9.11) and MSI postability.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <cmocka.h>
#include "xl_pi.h"
#include "hw/msi.h"

static struct xl_pi_desc pi;

static int setup(void **state)
{
	return xl_pi_init(&pi, 0xf2, 3, false);
}

static void test_init_encodes_nv_ndst(void **state)
{
	assert_int_equal(xl_pi_nv(&pi), 0xf2);
	/* xAPIC: APIC ID in NDST bits 15:8. */
	assert_int_equal(xl_pi_ndst(&pi), 0x0300);
	assert_false(xl_pi_test_on(&pi));
	assert_false(xl_pi_test_sn(&pi));
	assert_true(xl_pi_pir_empty(&pi));
}

static void test_post_sets_pir_and_on_once(void **state)
{
	u64 irr[4] = { 0 };

	assert_int_equal(xl_pi_post(&pi, 0x41), XL_PI_NOTIFY);
	assert_true(xl_pi_test_on(&pi));
	assert_true(pi.pir[1] & XL_BIT(1));
	/* ON already set: a second vector needs no second notification. */
	assert_int_equal(xl_pi_post(&pi, 0x42), 0);
	/* The same vector again coalesces. */
	assert_int_equal(xl_pi_post(&pi, 0x41), XL_PI_COALESCED);
	assert_int_equal(xl_pi_sync_irr(&pi, irr), 2);
	assert_false(xl_pi_test_on(&pi));
	assert_true(xl_pi_pir_empty(&pi));
	assert_int_equal(irr[1], XL_BIT(1) | XL_BIT(2));
	/* After the consumer cleared ON the next post notifies again. */
	assert_int_equal(xl_pi_post(&pi, 0xff), XL_PI_NOTIFY);
	assert_true(pi.pir[3] & XL_BIT(63));
}

static void test_sn_suppresses_notification(void **state)
{
	u64 irr[4] = { 0 };

	xl_pi_set_sn(&pi);
	assert_true(xl_pi_test_sn(&pi));
	/* VT-d 9.12: with SN set the request is recorded, ON stays clear. */
	assert_int_equal(xl_pi_post(&pi, 0x50), 0);
	assert_false(xl_pi_test_on(&pi));
	assert_false(xl_pi_pir_empty(&pi));
	xl_pi_clear_sn(&pi);
	assert_false(xl_pi_test_sn(&pi));
	assert_int_equal(xl_pi_sync_irr(&pi, irr), 1);
	assert_true(irr[1] & XL_BIT(0x50 - 64));
	/* SN and NV survive the ON/PIR traffic. */
	assert_int_equal(xl_pi_nv(&pi), 0xf2);
}

/* KVM's software post: PIR, then ON whatever SN says, notify on 0->1. */
static void test_software_post_ignores_sn(void **state)
{
	u64 irr[4] = { 0 };

	xl_pi_set_sn(&pi);
	assert_int_equal(xl_pi_test_and_set_pir(&pi, 0x51), 0);
	assert_int_equal(xl_pi_test_and_set_pir(&pi, 0x51), 1);
	assert_false(xl_pi_test_and_set_on(&pi));
	assert_true(xl_pi_test_and_set_on(&pi));
	assert_int_equal(xl_pi_sync_irr(&pi, irr), 1);
	assert_int_equal(irr[1], XL_BIT(0x51 - 64));
	assert_int_equal(xl_pi_test_and_set_pir(&pi, 31), -EINVAL);
	assert_int_equal(xl_pi_test_and_set_pir(&pi, 256), -EINVAL);
	assert_int_equal(xl_pi_test_and_set_pir(NULL, 0x40), -EINVAL);
	assert_true(xl_pi_pir_empty(&pi));
}

static void test_ndst_encodings(void **state)
{
	assert_int_equal(xl_pi_set_ndst(&pi, 0x12, false), 0);
	assert_int_equal(xl_pi_ndst(&pi), 0x1200);
	assert_int_equal(xl_pi_ndst_decode(xl_pi_ndst(&pi), false), 0x12);
	assert_int_equal(xl_pi_set_ndst(&pi, 0x12345, true), 0);
	assert_int_equal(xl_pi_ndst(&pi), 0x12345);
	/* An xAPIC ID has 8 bits. */
	assert_int_equal(xl_pi_set_ndst(&pi, 0x100, false), -EINVAL);
	assert_int_equal(xl_pi_ndst(&pi), 0x12345);
	/* Updating NDST/NV keeps ON and SN as they were. */
	xl_pi_post(&pi, 0x60);
	xl_pi_set_sn(&pi);
	assert_int_equal(xl_pi_set_ndst(&pi, 7, false), 0);
	assert_int_equal(xl_pi_set_nv(&pi, 0xf1), 0);
	assert_true(xl_pi_test_on(&pi));
	assert_true(xl_pi_test_sn(&pi));
	assert_int_equal(xl_pi_nv(&pi), 0xf1);
	assert_int_equal(xl_pi_ndst(&pi), 0x0700);
}

/*
 * Notifications pointed at a CPU: NDST and NV set, then SN cleared; a bad
 * vector or APIC ID changes nothing and leaves SN set.
 */
static void test_notify_to(void **state)
{
	xl_pi_set_sn(&pi);
	assert_int_equal(xl_pi_notify_to(&pi, 0x100, false, 0xf2), -EINVAL);
	assert_int_equal(xl_pi_notify_to(&pi, 5, true, 0x10), -EINVAL);
	assert_true(xl_pi_test_sn(&pi));
	assert_int_equal(xl_pi_ndst(&pi), 0x0300);
	assert_int_equal(xl_pi_nv(&pi), 0xf2);
	assert_int_equal(xl_pi_notify_to(&pi, 5, true, 0xf1), 0);
	assert_false(xl_pi_test_sn(&pi));
	assert_int_equal(xl_pi_ndst(&pi), 5);
	assert_int_equal(xl_pi_nv(&pi), 0xf1);
}

static void test_bad_input(void **state)
{
	char buf[256] __attribute__((aligned(64)));
	struct xl_pi_desc *mis = (struct xl_pi_desc *)(buf + 8);
	u64 irr[4];

	assert_int_equal(xl_pi_post(NULL, 0x40), -EINVAL);
	assert_int_equal(xl_pi_post(mis, 0x40), -EINVAL);
	assert_int_equal(xl_pi_post(&pi, 31), -EINVAL);
	assert_int_equal(xl_pi_post(&pi, 256), -EINVAL);
	assert_int_equal(xl_pi_post(&pi, 0), -EINVAL);
	assert_int_equal(xl_pi_sync_irr(&pi, NULL), -EINVAL);
	assert_int_equal(xl_pi_sync_irr(mis, irr), -EINVAL);
	assert_int_equal(xl_pi_init(mis, 0xf2, 0, false), -EINVAL);
	assert_int_equal(xl_pi_init(&pi, 0xf2, 0x100, false), -EINVAL);
	assert_int_equal(xl_pi_set_nv(&pi, 5), -EINVAL);
	assert_int_equal(xl_pi_set_nv(NULL, 0xf2), -EINVAL);
	assert_int_equal(xl_pi_set_ndst(mis, 1, true), -EINVAL);
	assert_int_equal(xl_pi_desc_check(NULL), -EINVAL);
	assert_int_equal(xl_pi_desc_check(mis), -EINVAL);
	assert_true(xl_pi_pir_empty(&pi));
}

/*
 * Two threads: a poster (as the IOMMU or another CPU) and a consumer that
 * harvests PIR only when it sees ON, as a CPU does on the notification.
 * If post() could leave a PIR bit without ON, the consumer would never
 * harvest it and the final check would find it stranded.
 */
#define RACE_POSTS	400000
static u64 race_new, race_notify;
static u64 race_got[4];
static u64 race_harvested;
static int race_done;

static void *race_poster(void *arg)
{
	unsigned int i;
	int r;

	for (i = 0; i < RACE_POSTS; i++) {
		r = xl_pi_post(&pi, 32 + (i * 7) % 224);
		if (r < 0)
			abort();
		if (!(r & XL_PI_COALESCED))
			race_new++;
		if (r & XL_PI_NOTIFY)
			race_notify++;
	}
	__atomic_store_n(&race_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void race_harvest(void)
{
	u64 irr[4] = { 0 };
	int n = xl_pi_sync_irr(&pi, irr);

	if (n < 0)
		abort();
	race_harvested += n;
}

static void *race_consumer(void *arg)
{
	while (!__atomic_load_n(&race_done, __ATOMIC_ACQUIRE))
		if (xl_pi_test_on(&pi))
			race_harvest();
	while (xl_pi_test_on(&pi))
		race_harvest();
	return NULL;
}

static void test_concurrent_post_sync_loses_nothing(void **state)
{
	pthread_t a, b;

	(void)race_got;
	race_new = race_notify = race_harvested = 0;
	race_done = 0;
	assert_int_equal(pthread_create(&b, NULL, race_consumer, NULL), 0);
	assert_int_equal(pthread_create(&a, NULL, race_poster, NULL), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	/* Nothing stranded: every request that was not coalesced came out. */
	assert_true(xl_pi_pir_empty(&pi));
	assert_false(xl_pi_test_on(&pi));
	assert_true(race_new > 0);
	assert_int_equal(race_harvested, race_new);
	assert_true(race_notify >= 1 && race_notify <= race_new);
}

static void test_irte_post_round_trip(void **state)
{
	struct xl_irte_post_cfg c = {
		.pda = 0x00000012345678c0ULL, .vector = 0x61, .urgent = true,
		.fpd = false, .sid = 0x00f8, .sq = 1, .svt = 1,
	}, d;
	union xl_irte e;

	assert_int_equal(xl_irte_post_encode(&c, &e), 0);
	/* VT-d 9.11 fixed bits: P, IM, vector 23:16, URG 14. */
	assert_true(e.low & XL_BIT(0));
	assert_true(e.low & IRTE_IM);
	assert_true(e.low & XL_BIT(14));
	assert_int_equal((e.low >> 16) & 0xff, 0x61);
	assert_int_equal(e.low >> 38, (0x12345678c0ULL >> 6) & 0x3ffffff);
	assert_int_equal(e.high >> 32, 0x12);
	assert_int_equal(e.high & 0xffff, 0xf8);
	assert_int_equal(xl_irte_post_decode(&e, &d), 0);
	assert_int_equal(d.pda, c.pda);
	assert_int_equal(d.vector, c.vector);
	assert_int_equal(d.urgent, c.urgent);
	assert_int_equal(d.sid, c.sid);
	assert_int_equal(d.sq, c.sq);
	assert_int_equal(d.svt, c.svt);
}

static void test_irte_post_malformed(void **state)
{
	struct xl_irte_post_cfg c = { .pda = 0x1000, .vector = 0x40 }, d;
	union xl_irte e, bad;
	int bit;

	assert_int_equal(xl_irte_post_encode(NULL, &e), -EINVAL);
	assert_int_equal(xl_irte_post_encode(&c, NULL), -EINVAL);
	c.pda = 0x1020;		/* not 64-byte aligned */
	assert_int_equal(xl_irte_post_encode(&c, &e), -EINVAL);
	c.pda = 0;
	assert_int_equal(xl_irte_post_encode(&c, &e), -EINVAL);
	c.pda = 0x1000;
	c.vector = 8;
	assert_int_equal(xl_irte_post_encode(&c, &e), -EINVAL);
	c.vector = 0x40;
	c.svt = 3;
	assert_int_equal(xl_irte_post_encode(&c, &e), -EINVAL);
	c.svt = 0;
	c.sq = 4;
	assert_int_equal(xl_irte_post_encode(&c, &e), -EINVAL);
	c.sq = 0;
	assert_int_equal(xl_irte_post_encode(&c, &e), 0);

	assert_int_equal(xl_irte_post_decode(NULL, &d), -EINVAL);
	assert_int_equal(xl_irte_post_decode(&e, NULL), -EINVAL);
	/* Every reserved bit on its own makes the entry malformed. */
	for (bit = 0; bit < 64; bit++) {
		if (!(IRTE_POST_RSVD_LOW & XL_BIT(bit)))
			continue;
		bad = e;
		bad.low |= XL_BIT(bit);
		assert_int_equal(xl_irte_post_decode(&bad, &d), -EINVAL);
	}
	for (bit = 0; bit < 64; bit++) {
		if (!(IRTE_POST_RSVD_HIGH & XL_BIT(bit)))
			continue;
		bad = e;
		bad.high |= XL_BIT(bit);
		assert_int_equal(xl_irte_post_decode(&bad, &d), -EINVAL);
	}
	bad = e;
	bad.low &= ~XL_BIT(0);
	assert_int_equal(xl_irte_post_decode(&bad, &d), -ENOENT);
	bad = e;
	bad.low &= ~IRTE_IM;	/* a remapped entry is not a posted one */
	assert_int_equal(xl_irte_post_decode(&bad, &d), -EINVAL);
	bad = e;
	bad.high |= 3ULL << 18;	/* SVT = 11b reserved */
	assert_int_equal(xl_irte_post_decode(&bad, &d), -EINVAL);
	bad = e;
	bad.low &= ~XL_GENMASK(63, 38);
	bad.high &= ~XL_GENMASK(63, 32);	/* PDA = 0 */
	assert_int_equal(xl_irte_post_decode(&bad, &d), -EINVAL);
}

static void test_irte_remap_round_trip(void **state)
{
	struct xl_irte_remap_cfg c = {
		.dest = 0x5, .vector = 0x45, .dlm = IRTE_DLM_FIXED,
		.level = true, .sid = 0x100, .x2apic = false,
	}, d;
	union xl_irte e, bad;

	assert_int_equal(xl_irte_remap_encode(&c, &e), 0);
	assert_false(e.low & IRTE_IM);
	assert_int_equal((e.low >> 40) & 0xff, 5);	/* xAPIC dest 47:40 */
	assert_int_equal(xl_irte_remap_decode(&e, false, &d), 0);
	assert_int_equal(d.dest, 5);
	assert_int_equal(d.vector, 0x45);
	assert_true(d.level);
	c.x2apic = true;
	c.dest = 0x12345678;
	assert_int_equal(xl_irte_remap_encode(&c, &e), 0);
	assert_int_equal(xl_irte_remap_decode(&e, true, &d), 0);
	assert_int_equal(d.dest, 0x12345678);
	/* The same entry read in xAPIC mode has reserved dest bits set. */
	assert_int_equal(xl_irte_remap_decode(&e, false, &d), -EINVAL);
	c.x2apic = false;
	c.dest = 0x100;
	assert_int_equal(xl_irte_remap_encode(&c, &e), -EINVAL);
	c.dest = 1;
	c.dlm = 3;		/* reserved delivery mode */
	assert_int_equal(xl_irte_remap_encode(&c, &e), -EINVAL);
	c.dlm = IRTE_DLM_FIXED;
	assert_int_equal(xl_irte_remap_encode(&c, &e), 0);
	bad = e;
	bad.low |= XL_BIT(12);
	assert_int_equal(xl_irte_remap_decode(&bad, false, &d), -EINVAL);
	bad = e;
	bad.high |= XL_BIT(40);
	assert_int_equal(xl_irte_remap_decode(&bad, false, &d), -EINVAL);
	bad = e;
	bad.low |= IRTE_IM;
	assert_int_equal(xl_irte_remap_decode(&bad, false, &d), -EINVAL);
	assert_int_equal(xl_irte_remap_decode(NULL, false, &d), -EINVAL);
}

static void test_msi_postable(void **state)
{
	u32 dest;
	u8 vec;

	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE | (3 << 12), 0x41,
					 false, &dest, &vec), 0);
	assert_int_equal(dest, 3);
	assert_int_equal(vec, 0x41);
	/* Lowest priority to a single physical destination is postable. */
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE | (3 << 12),
					 0x41 | (1 << 8), false, &dest, &vec),
			 0);
	/* Logical destination mode: multicast, refused. */
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE | MSI_ADDR_DM |
					 (3 << 12), 0x41, false, &dest, &vec),
			 -EOPNOTSUPP);
	/* Broadcast. */
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE | (0xff << 12), 0x41,
					 false, &dest, &vec), -EOPNOTSUPP);
	assert_int_equal(xl_msi_postable(0xffffffff00000000ULL | MSI_ADDR_BASE |
					 (0xff << 12), 0x41, true, &dest,
					 &vec), -EOPNOTSUPP);
	/* x2APIC extended destination ID from address bits 63:40. */
	assert_int_equal(xl_msi_postable(0x0000010000000000ULL |
					 MSI_ADDR_BASE | (2 << 12), 0x41,
					 true, &dest, &vec), 0);
	assert_int_equal(dest, 0x102);
	/* NMI delivery mode cannot be posted. */
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE, 0x41 | (4 << 8),
					 false, &dest, &vec), -EOPNOTSUPP);
	/* Not an MSI address, remappable format, bad data, NULL. */
	assert_int_equal(xl_msi_postable(0xfed00000, 0x41, false, &dest, &vec),
			 -EINVAL);
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE | MSI_ADDR_IF_REMAP,
					 0x41, false, &dest, &vec), -EINVAL);
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE, 0x10041, false,
					 &dest, &vec), -EINVAL);
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE, 0x05, false,
					 &dest, &vec), -EINVAL);
	assert_int_equal(xl_msi_postable(MSI_ADDR_BASE, 0x41, false, NULL,
					 &vec), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_encodes_nv_ndst, setup),
		cmocka_unit_test_setup(test_post_sets_pir_and_on_once, setup),
		cmocka_unit_test_setup(test_sn_suppresses_notification, setup),
		cmocka_unit_test_setup(test_software_post_ignores_sn, setup),
		cmocka_unit_test_setup(test_ndst_encodings, setup),
		cmocka_unit_test_setup(test_notify_to, setup),
		cmocka_unit_test_setup(test_bad_input, setup),
		cmocka_unit_test_setup(test_concurrent_post_sync_loses_nothing,
				       setup),
		cmocka_unit_test(test_irte_post_round_trip),
		cmocka_unit_test(test_irte_post_malformed),
		cmocka_unit_test(test_irte_remap_round_trip),
		cmocka_unit_test(test_msi_postable),
	};

	return cmocka_run_group_tests_name("mech_posted", tests, NULL, NULL);
}
