/* matmul: dense double-precision matrix multiply, C = A * B with 200 x 200
 * matrices (i-k-j loop order), n times; each round feeds an element of C back
 * into A so no round can be skipped. Checksum: the bits of every C entry. */
#include "kernel.h"

#define BENCH_N 200
#define M 200

static double A[M * M], B[M * M], C[M * M];

uint64_t run(uint32_t n)
{
	uint32_t s = 0x12345678u;
	for (uint32_t i = 0; i < M * M; i++) {
		A[i] = (double)(k_rand(&s) & 0xffff) / 65536.0 - 0.5;
		B[i] = (double)(k_rand(&s) & 0xffff) / 65536.0 - 0.5;
	}
	uint64_t h = 0;
	for (uint32_t r = 0; r < n; r++) {
		for (uint32_t i = 0; i < M * M; i++)
			C[i] = 0.0;
		for (uint32_t i = 0; i < M; i++) {
			double *ci = &C[i * M];
			for (uint32_t k = 0; k < M; k++) {
				double a = A[i * M + k];
				const double *bk = &B[k * M];
				for (uint32_t j = 0; j < M; j++)
					ci[j] += a * bk[j];
			}
		}
		uint32_t at = (r * 7919u) % (M * M);
		h = k_mix(h, k_f64_bits(C[at]));
		A[(r * 131u) % (M * M)] = C[at] * (1.0 / 64.0);
	}
	for (uint32_t i = 0; i < M * M; i++)
		h = k_mix(h, k_f64_bits(C[i]));
	return h;
}
