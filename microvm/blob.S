/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The micro-VM image, embedded into the `exitless` tool. build.mk puts the
 * directory holding guest.bin on the assembler's include path.
 */
	.section .rodata
	.p2align 12
	.globl xl_microvm_image, xl_microvm_image_end
xl_microvm_image:
	.incbin	"guest.bin"
xl_microvm_image_end:
	.section .note.GNU-stack, "", @progbits
