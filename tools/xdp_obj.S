/* SPDX-License-Identifier: GPL-2.0 */
/* The compiled XDP program, inside the tool: nothing to install or find. */
	.section .rodata
	.balign 8
	.globl shoal_xdp_obj, shoal_xdp_obj_end
shoal_xdp_obj:
	.incbin "shoal_xdp.bpf.o"
shoal_xdp_obj_end:
	.section .note.GNU-stack, "", @progbits
