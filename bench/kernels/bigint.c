/* bigint: multi-precision arithmetic on 32-bit limbs. n rounds of: multiply
 * two 256-limb numbers (schoolbook, 64-bit partial products), fold the
 * 512-limb product back into the two factors, and every fourth round convert
 * the product to decimal by repeated division by 10^9. Checksum: the product
 * limbs and the decimal digits. */
#include "kernel.h"

#define BENCH_N 2000
#define LIMBS 256

static uint32_t a[LIMBS], b[LIMBS], c[2 * LIMBS], t[2 * LIMBS];

static void multiply(void)
{
	for (uint32_t i = 0; i < 2 * LIMBS; i++)
		c[i] = 0;
	for (uint32_t i = 0; i < LIMBS; i++) {
		uint64_t carry = 0, ai = a[i];
		for (uint32_t j = 0; j < LIMBS; j++) {
			uint64_t p = ai * b[j] + c[i + j] + carry;
			c[i + j] = (uint32_t)p;
			carry = p >> 32;
		}
		c[i + LIMBS] = (uint32_t)carry;
	}
}

/* Divides t[0..len) by 10^9 in place; returns the remainder. */
static uint32_t divide_1e9(uint32_t len)
{
	uint64_t rem = 0;
	for (uint32_t i = len; i-- > 0;) {
		uint64_t cur = (rem << 32) | t[i];
		t[i] = (uint32_t)(cur / 1000000000u);
		rem = cur % 1000000000u;
	}
	return (uint32_t)rem;
}

static uint64_t decimal_hash(void)
{
	uint32_t len = 2 * LIMBS;
	for (uint32_t i = 0; i < len; i++)
		t[i] = c[i];
	uint64_t h = 0;
	while (len > 0) {
		while (len > 0 && t[len - 1] == 0)
			len--;
		if (len == 0)
			break;
		h = k_mix(h, divide_1e9(len));
	}
	return h;
}

uint64_t run(uint32_t n)
{
	uint32_t s = 0x31415926u;
	for (uint32_t i = 0; i < LIMBS; i++) {
		a[i] = k_rand(&s);
		b[i] = k_rand(&s);
	}
	uint64_t h = 0;
	for (uint32_t r = 0; r < n; r++) {
		multiply();
		for (uint32_t i = 0; i < LIMBS; i++) {
			a[i] = c[i] ^ c[2 * LIMBS - 1 - i];
			b[i] = c[LIMBS + i] + i;
		}
		a[LIMBS - 1] |= 0x80000000u; /* keep the size */
		b[LIMBS - 1] |= 0x80000000u;
		h = k_mix(h, c[r % (2 * LIMBS)]);
		if ((r & 3) == 0)
			h = k_mix(h, decimal_hash());
	}
	for (uint32_t i = 0; i < 2 * LIMBS; i++)
		h = k_mix(h, c[i]);
	return h;
}
