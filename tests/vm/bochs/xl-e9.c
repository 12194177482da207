// SPDX-License-Identifier: GPL-2.0
/*
 * xl-e9: write its arguments, space separated, plus a newline to I/O port
 * 0xE9.  Bochs' port_e9_hack prints those bytes on its stdout at once,
 * while the guest's serial console goes through the interrupt-driven UART
 * and can lag by seconds; the rig uses these markers for wall-clock
 * timings of a boot.  Outside Bochs port 0xE9 is unassigned and a write
 * is harmless.
 *
 * usage: xl-e9 TEXT...        (static binary, runs in the initramfs)
 */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#define E9_PORT 0xe9

static void e9_puts(const char *s)
{
	while (*s)
		outb((unsigned char)*s++, E9_PORT);
}

int main(int argc, char **argv)
{
	int i;

	if (ioperm(E9_PORT, 1, 1) != 0) {
		perror("xl-e9: ioperm");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (i > 1)
			e9_puts(" ");
		e9_puts(argv[i]);
	}
	e9_puts("\n");
	return 0;
}
