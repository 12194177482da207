// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM binary-stats reader (userspace/kvm/stats.c) on synthetic stats
 * files: descriptors are found by name wherever the kernel puts them, and
 * a malformed header is refused instead of trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../../userspace/kvm/kvm.h"

#define NAME_SIZE 48

struct fake_desc {
	const char *name;
	uint32_t flags;
	uint16_t size;
	uint32_t offset;	/* bytes into the data block */
	uint64_t value;
};

/* Lay out header, id, descriptors, data the way KVM does, in a memfd. */
static int make_stats(const struct fake_desc *d, unsigned int n,
		      struct kvm_stats_header *override)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + NAME_SIZE;
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE,
		.num_desc = n,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + NAME_SIZE,
		.data_offset = sizeof(h) + NAME_SIZE + n * dsz,
	};
	uint8_t buf[8192] = { 0 };
	unsigned int i;
	int fd = memfd_create("stats", MFD_CLOEXEC);

	assert_true(fd >= 0);
	if (override)
		h = *override;
	memcpy(buf, &h, sizeof(h));
	strcpy((char *)buf + sizeof(h), "kvm-test");
	for (i = 0; i < n; i++) {
		struct kvm_stats_desc *k = (void *)(buf + sizeof(h) +
						    NAME_SIZE + i * dsz);

		k->flags = d[i].flags;
		k->size = d[i].size;
		k->offset = d[i].offset;
		strncpy(k->name, d[i].name, NAME_SIZE - 1);
		memcpy(buf + sizeof(h) + NAME_SIZE + n * dsz + d[i].offset,
		       &d[i].value, 8);
	}
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	return fd;
}

static const struct fake_desc descs[] = {
	/* data offsets deliberately not in descriptor order */
	{ "halt_wakeup", KVM_STATS_TYPE_CUMULATIVE, 1, 64, 5 },
	{ "irq_injections", KVM_STATS_TYPE_CUMULATIVE, 1, 0, 10000 },
	{ "halt_wait_hist", KVM_STATS_TYPE_LOG_HIST, 4, 8, 7 },
	{ "blocking", KVM_STATS_TYPE_INSTANT, 1, 40, 1 },
	{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 48, 10042 },
};

static void finds_by_name(void **state)
{
	struct xl_stats s;
	uint64_t data[16];
	int i;

	assert_int_equal(xl_stats_init(&s, make_stats(descs, 5, NULL)), 0);
	assert_int_equal(s.data_words, 9);	/* up to offset 64 + 1 word */
	assert_int_equal(xl_stats_read(&s, data), 0);
	i = xl_stats_find(&s, "exits");
	assert_int_equal(i, 4);
	assert_int_equal(xl_stats_value(&s, data, i), 10042);
	i = xl_stats_find(&s, "irq_injections");
	assert_int_equal(xl_stats_value(&s, data, i), 10000);
	assert_true(xl_stats_is_cumulative(xl_stats_desc(&s, i)));
	i = xl_stats_find(&s, "blocking");
	assert_false(xl_stats_is_cumulative(xl_stats_desc(&s, i)));
	/* histograms are not scalars; prefixes are not names */
	assert_int_equal(xl_stats_find(&s, "halt_wait_hist"), -ENOENT);
	assert_int_equal(xl_stats_find(&s, "halt"), -ENOENT);
	assert_int_equal(xl_stats_find(&s, "irq_exits"), -ENOENT);
	xl_stats_close(&s);
	(void)state;
}

static void refuses_bad_headers(void **state)
{
	struct kvm_stats_header bad[] = {
		{ .name_size = 0, .num_desc = 5 },
		{ .name_size = NAME_SIZE, .num_desc = 0 },
		{ .name_size = NAME_SIZE, .num_desc = 100000 },
		{ .name_size = 1 << 20, .num_desc = 5 },
		/* descriptors past the end of the file */
		{ .name_size = NAME_SIZE, .num_desc = 5, .desc_offset = 1 << 20 },
	};
	struct fake_desc odd = { "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 3, 1 };
	struct xl_stats s;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xl_stats_init(&s, make_stats(descs, 5, &bad[i])),
				 -EPROTO);
		assert_int_equal(s.fd, -1);
	}
	/* a misaligned data offset is refused, not read crooked */
	assert_int_equal(xl_stats_init(&s, make_stats(&odd, 1, NULL)), -EPROTO);
	(void)state;
}

static void no_fd_leak(void **state)
{
	struct kvm_stats_header bad = { .name_size = 0, .num_desc = 5 };
	struct xl_stats s;
	int fd = make_stats(descs, 5, &bad);

	assert_int_equal(xl_stats_init(&s, fd), -EPROTO);
	/* init owns the fd even on failure: it must be closed now */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_by_name),
		cmocka_unit_test(refuses_bad_headers),
		cmocka_unit_test(no_fd_leak),
	};

	return cmocka_run_group_tests_name("kvm_stats", tests, NULL, NULL);
}
