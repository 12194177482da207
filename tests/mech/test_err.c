// SPDX-License-Identifier: GPL-2.0
/*
 * Failed checks are named (include/xl_err.h): a refusal notes its site
 * for the thread that failed, once, and a success notes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <cmocka.h>
#include "xl_err.h"
#include "xl_sidt.h"
#include "xl_pi.h"
#include "xl_engine.h"

static struct xl_sidt_map map;

static int setup(void **state)
{
	(void)state;
	xl_err_take();
	return xl_sidt_map_init(&map);
}

static void test_refusal_named_once(void **state)
{
	const struct xl_err_site *site;

	(void)state;
	assert_int_equal(xl_sidt_map_add(&map, 0x1f, 0x30), -EINVAL);
	site = xl_err_take();
	assert_non_null(site);
	assert_string_equal(site->func, "xl_sidt_map_add");
	assert_true(site->why[0] != '\0');
	assert_true(site->line > 0);
	assert_null(xl_err_take());
}

static void test_checks_told_apart(void **state)
{
	const struct xl_err_site *low, *high, *guest;

	(void)state;
	assert_int_equal(xl_sidt_map_add(&map, 0x1f, 0x30), -EINVAL);
	low = xl_err_take();
	assert_int_equal(xl_sidt_map_add(&map, 256, 0x30), -EINVAL);
	high = xl_err_take();
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x10), -EINVAL);
	guest = xl_err_take();
	assert_non_null(low);
	assert_non_null(high);
	assert_non_null(guest);
	assert_string_not_equal(low->why, guest->why);
	assert_true(low->line != guest->line);
	assert_true(high->line != guest->line);
}

static void test_success_notes_nothing(void **state)
{
	(void)state;
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x30), 0);
	assert_null(xl_err_take());
}

static void test_last_refusal_wins(void **state)
{
	const struct xl_err_site *site;

	(void)state;
	assert_int_equal(xl_sidt_map_add(&map, 0x1f, 0x30), -EINVAL);
	assert_int_equal(xl_sidt_map_init(NULL), -EINVAL);
	site = xl_err_take();
	assert_non_null(site);
	assert_string_equal(site->func, "xl_sidt_map_init");
}

static void test_forget_drops_the_note(void **state)
{
	(void)state;
	assert_int_equal(xl_sidt_map_add(&map, 0x1f, 0x30), -EINVAL);
	xl_err_forget();
	assert_null(xl_err_take());
}

static void *fail_in_thread(void *arg)
{
	struct xl_sidt_map m;

	xl_sidt_map_init(&m);
	*(int *)arg = xl_sidt_map_add(&m, 0x1f, 0x30);
	return (void *)xl_err_take();
}

static void test_note_is_per_thread(void **state)
{
	const struct xl_err_site *theirs;
	pthread_t t;
	int ret = 0;
	void *res;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, fail_in_thread, &ret), 0);
	assert_int_equal(pthread_join(t, &res), 0);
	theirs = res;
	assert_int_equal(ret, -EINVAL);
	assert_non_null(theirs);
	assert_string_equal(theirs->func, "xl_sidt_map_add");
	assert_null(xl_err_take());
}

static void test_pi_and_engine_named(void **state)
{
	static struct xl_pi_desc pi __attribute__((aligned(64)));
	const struct xl_err_site *site;

	(void)state;
	assert_int_equal(xl_pi_init(&pi, 0xf2, 0, true), 0);
	assert_null(xl_err_take());
	assert_int_equal(xl_pi_post(&pi, 7), -EINVAL);
	site = xl_err_take();
	assert_non_null(site);
	assert_true(site->why[0] != '\0');
	assert_int_equal(xl_engine_init(NULL, NULL, NULL), -EINVAL);
	site = xl_err_take();
	assert_non_null(site);
	assert_string_equal(site->func, "xl_engine_init");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_refusal_named_once, setup),
		cmocka_unit_test_setup(test_checks_told_apart, setup),
		cmocka_unit_test_setup(test_success_notes_nothing, setup),
		cmocka_unit_test_setup(test_last_refusal_wins, setup),
		cmocka_unit_test_setup(test_forget_drops_the_note, setup),
		cmocka_unit_test_setup(test_note_is_per_thread, setup),
		cmocka_unit_test_setup(test_pi_and_engine_named, setup),
	};

	return cmocka_run_group_tests_name("mech_err", tests, NULL, NULL);
}
