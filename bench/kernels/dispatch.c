/* dispatch: closures called through a function table. A register machine
 * whose every instruction is a call of a small function picked by its
 * opcode from a table of function pointers (call_indirect in wasm), the
 * shape of interpreters built around closures; the program is random, so
 * the indirect branch is hard to predict on both sides. Checksum: the
 * machine's registers. */
#include "kernel.h"

#define BENCH_N 40000000

typedef struct machine {
	uint64_t acc;
	uint64_t r[8];
	uint32_t flips;
} machine;

typedef void (*opfn)(machine *m, uint32_t arg);

static void op_add(machine *m, uint32_t a)
{
	m->acc += m->r[a & 7];
}

static void op_xor(machine *m, uint32_t a)
{
	m->acc ^= m->r[a & 7] + a;
}

static void op_mul(machine *m, uint32_t a)
{
	m->acc = m->acc * (2 * (uint64_t)a + 1);
}

static void op_rot(machine *m, uint32_t a)
{
	uint32_t k = (a & 63) | 1;
	m->acc = (m->acc << k) | (m->acc >> (64 - k));
}

static void op_store(machine *m, uint32_t a)
{
	m->r[a & 7] = m->acc;
}

static void op_swap(machine *m, uint32_t a)
{
	uint64_t t = m->r[a & 7];
	m->r[a & 7] = m->r[(a >> 3) & 7];
	m->r[(a >> 3) & 7] = t;
}

static void op_cond(machine *m, uint32_t a)
{
	if (m->acc & 1) {
		m->acc -= a;
		m->flips++;
	}
}

static void op_mix(machine *m, uint32_t a)
{
	m->r[a & 7] = k_mix(m->r[a & 7], m->acc);
}

static opfn table[8];
static uint32_t prog[4096];

uint64_t run(uint32_t n)
{
	machine m = {1, {0}, 0};
	uint32_t s = 0x2545f491;

	/* filled at run time, so neither side can resolve a call statically */
	table[0] = op_add, table[1] = op_xor, table[2] = op_mul, table[3] = op_rot;
	table[4] = op_store, table[5] = op_swap, table[6] = op_cond, table[7] = op_mix;
	for (uint32_t i = 0; i < 4096; i++)
		prog[i] = k_rand(&s);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ins = prog[i & 4095];
		table[ins & 7](&m, ins >> 3);
	}
	uint64_t h = k_mix(m.acc, m.flips);
	for (int i = 0; i < 8; i++)
		h = k_mix(h, m.r[i]);
	return h;
}
