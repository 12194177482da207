// SPDX-License-Identifier: GPL-2.0
/*
 * xl-fire: N writes of one command to exitless.ko's debugfs selftest file
 * (kmod/vmx/hooks_debugfs.c), as fast as the file takes them, for the Bochs
 * test bochs-l2 (tests/vm/guest/bochs-l2.sh): "fire VM" (the test
 * device's interrupt) or "virq VM VCPU VEC" (a virtual interrupt). A shell
 * loop sends about a thousand a second of guest time, so exitless' guard
 * (one exit per guard_us in direct mode) would be what the batch counts;
 * back to back they are what xl-elitest sends.
 *
 * usage: xl-fire COUNT SPIN COMMAND...
 *   SPIN: iterations of a pause loop between two writes, so that the
 *   guest has handled one interrupt before the next arrives (edge
 *   interrupts of one vector merge in the IRR)
 * Prints "sent N busy B seconds S": B writes refused with EAGAIN and
 * retried, S the batch's time (CLOCK_MONOTONIC, guest time of the host).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SELFTEST "/sys/kernel/debug/exitless/selftest"

int main(int argc, char **argv)
{
	unsigned long count, spin, sent = 0, busy = 0, j;
	struct timespec t0, t1;
	char cmd[128] = "";
	int fd, i;

	if (argc < 4) {
		fprintf(stderr, "usage: xl-fire COUNT SPIN COMMAND...\n");
		return 2;
	}
	count = strtoul(argv[1], NULL, 0);
	spin = strtoul(argv[2], NULL, 0);
	for (i = 3; i < argc; i++) {
		strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
		strcat(cmd, i + 1 < argc ? " " : "\n");
	}
	fd = open(SELFTEST, O_WRONLY);
	if (fd < 0) {
		perror(SELFTEST);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < count) {
		if (write(fd, cmd, strlen(cmd)) < 0) {
			if (errno == EAGAIN && busy < 100000) {
				busy++;
				continue;
			}
			fprintf(stderr, "xl-fire: %s: %s\n", cmd, strerror(errno));
			break;
		}
		sent++;
		for (j = 0; j < spin; j++)
			__asm__ volatile("pause");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("sent %lu busy %lu seconds %.6f\n", sent, busy,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(fd);
	return sent == count ? 0 : 1;
}
