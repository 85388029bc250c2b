/* interp: a small stack-machine bytecode interpreter (64-bit values, locals,
 * calls, a word-addressed memory) running a program that sums Collatz step
 * counts of 1..n into a memory table and a running hash. The program is
 * assembled at run time. Checksum: the program's result and its memory. */
#include "kernel.h"

#define BENCH_N 160000

enum {
	OP_HALT, OP_PUSH, OP_GET, OP_SET, OP_DUP, OP_DROP,
	OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_XOR, OP_SHL, OP_SHR,
	OP_LTU, OP_EQ, OP_JMP, OP_JZ, OP_JNZ, OP_CALL, OP_RET,
	OP_LOAD, OP_STORE,
};

#define NLOCALS 4
#define MEMWORDS 4096

static int32_t code[512];
static uint32_t clen;
static uint64_t stack[256];
static uint64_t locals[64 * NLOCALS];
static uint32_t rstack[64];
static uint64_t vmem[MEMWORDS];

static void op(int32_t o)
{
	code[clen++] = o;
}

static void op1(int32_t o, int32_t arg)
{
	code[clen++] = o;
	code[clen++] = arg;
}

/* Emits a jump whose target is patched later; returns the operand slot. */
static uint32_t jump(int32_t o)
{
	op1(o, -1);
	return clen - 1;
}

static void patch(uint32_t slot, uint32_t target)
{
	code[slot] = (int32_t)target;
}

static uint32_t assemble(void)
{
	clen = 0;
	/* main: local0 = n, local1 = i, local2 = acc, local3 = steps */
	op1(OP_PUSH, 0), op1(OP_SET, 1);
	op1(OP_PUSH, 0), op1(OP_SET, 2);
	uint32_t loop = clen;
	op1(OP_GET, 1), op1(OP_GET, 0), op(OP_LTU);
	uint32_t to_end = jump(OP_JZ);
	op1(OP_GET, 1), op1(OP_PUSH, 1), op(OP_ADD);
	uint32_t call = jump(OP_CALL);
	op1(OP_SET, 3);
	/* vmem[i & 4095] += steps */
	op1(OP_GET, 1), op1(OP_PUSH, MEMWORDS - 1), op(OP_AND);
	op(OP_DUP), op(OP_LOAD), op1(OP_GET, 3), op(OP_ADD), op(OP_STORE);
	/* acc = (acc * 31 + steps) ^ (i << 7) */
	op1(OP_GET, 2), op1(OP_PUSH, 31), op(OP_MUL), op1(OP_GET, 3), op(OP_ADD);
	op1(OP_GET, 1), op1(OP_PUSH, 7), op(OP_SHL), op(OP_XOR), op1(OP_SET, 2);
	op1(OP_GET, 1), op1(OP_PUSH, 1), op(OP_ADD), op1(OP_SET, 1);
	op1(OP_JMP, (int32_t)loop);
	patch(to_end, clen);
	op1(OP_GET, 2), op(OP_HALT);

	/* collatz: local0 = x, local1 = steps; returns steps */
	patch(call, clen);
	op1(OP_PUSH, 0), op1(OP_SET, 1);
	uint32_t cloop = clen;
	op1(OP_GET, 0), op1(OP_PUSH, 1), op(OP_EQ);
	uint32_t to_ret = jump(OP_JNZ);
	op1(OP_GET, 0), op1(OP_PUSH, 1), op(OP_AND);
	uint32_t to_even = jump(OP_JZ);
	op1(OP_GET, 0), op1(OP_PUSH, 3), op(OP_MUL), op1(OP_PUSH, 1), op(OP_ADD), op1(OP_SET, 0);
	uint32_t to_next = jump(OP_JMP);
	patch(to_even, clen);
	op1(OP_GET, 0), op1(OP_PUSH, 1), op(OP_SHR), op1(OP_SET, 0);
	patch(to_next, clen);
	op1(OP_GET, 1), op1(OP_PUSH, 1), op(OP_ADD), op1(OP_SET, 1);
	op1(OP_JMP, (int32_t)cloop);
	patch(to_ret, clen);
	op1(OP_GET, 1), op(OP_RET);
	return 0;
}

static uint64_t execute(uint32_t entry, uint64_t arg)
{
	uint32_t pc = entry, sp = 0, fp = 0, rsp = 0;
	for (uint32_t i = 0; i < NLOCALS; i++)
		locals[i] = 0;
	locals[0] = arg;
	for (;;) {
		int32_t o = code[pc++];
		switch (o) {
		case OP_HALT:
			return stack[sp - 1];
		case OP_PUSH:
			stack[sp++] = (uint64_t)(int64_t)code[pc++];
			break;
		case OP_GET:
			stack[sp++] = locals[fp + (uint32_t)code[pc++]];
			break;
		case OP_SET:
			locals[fp + (uint32_t)code[pc++]] = stack[--sp];
			break;
		case OP_DUP:
			stack[sp] = stack[sp - 1];
			sp++;
			break;
		case OP_DROP:
			sp--;
			break;
		case OP_ADD:
			sp--;
			stack[sp - 1] += stack[sp];
			break;
		case OP_SUB:
			sp--;
			stack[sp - 1] -= stack[sp];
			break;
		case OP_MUL:
			sp--;
			stack[sp - 1] *= stack[sp];
			break;
		case OP_AND:
			sp--;
			stack[sp - 1] &= stack[sp];
			break;
		case OP_XOR:
			sp--;
			stack[sp - 1] ^= stack[sp];
			break;
		case OP_SHL:
			sp--;
			stack[sp - 1] <<= (stack[sp] & 63);
			break;
		case OP_SHR:
			sp--;
			stack[sp - 1] >>= (stack[sp] & 63);
			break;
		case OP_LTU:
			sp--;
			stack[sp - 1] = stack[sp - 1] < stack[sp];
			break;
		case OP_EQ:
			sp--;
			stack[sp - 1] = stack[sp - 1] == stack[sp];
			break;
		case OP_JMP:
			pc = (uint32_t)code[pc];
			break;
		case OP_JZ:
			pc = stack[--sp] == 0 ? (uint32_t)code[pc] : pc + 1;
			break;
		case OP_JNZ:
			pc = stack[--sp] != 0 ? (uint32_t)code[pc] : pc + 1;
			break;
		case OP_CALL: {
			rstack[rsp++] = pc + 1;
			pc = (uint32_t)code[pc];
			fp += NLOCALS;
			locals[fp] = stack[--sp];
			for (uint32_t i = 1; i < NLOCALS; i++)
				locals[fp + i] = 0;
			break;
		}
		case OP_RET:
			pc = rstack[--rsp];
			fp -= NLOCALS;
			break;
		case OP_LOAD:
			stack[sp - 1] = vmem[stack[sp - 1] % MEMWORDS];
			break;
		case OP_STORE:
			sp -= 2;
			vmem[stack[sp] % MEMWORDS] = stack[sp + 1];
			break;
		default:
			return ~(uint64_t)0;
		}
	}
}

uint64_t run(uint32_t n)
{
	assemble();
	for (uint32_t i = 0; i < MEMWORDS; i++)
		vmem[i] = 0;
	uint64_t h = execute(0, n);
	for (uint32_t i = 0; i < MEMWORDS; i++)
		h = k_mix(h, vmem[i]);
	return h;
}
