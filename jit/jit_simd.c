/*
 * jit_simd.c - SIMD (0xFD) instructions. (stub)
 */
#include "jit_int.h"

bool jit_simd(jit_fn *f, const wb_instr *in)
{
	(void)f;
	(void)in;
	return false;
}
