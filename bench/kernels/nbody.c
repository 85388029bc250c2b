/* nbody: gravitational n-body simulation of 48 bodies with softened forces
 * (symplectic Euler, all pairs), n steps. Initial positions, velocities and
 * masses come from the pseudo-random generator. Checksum: the bits of the
 * final energy and of every position and velocity. */
#include "kernel.h"

#define BENCH_N 60000
#define NB 48

static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], mass[NB];
static double ax[NB], ay[NB], az[NB];

static double unit(uint32_t *s)
{
	return (double)(k_rand(s) >> 8) / 16777216.0; /* [0, 1) */
}

static double energy(void)
{
	double e = 0.0;
	for (int i = 0; i < NB; i++) {
		e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
		for (int j = i + 1; j < NB; j++) {
			double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
			e -= mass[i] * mass[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz + 0.01);
		}
	}
	return e;
}

uint64_t run(uint32_t n)
{
	uint32_t s = 0x9e3779b9u;
	for (int i = 0; i < NB; i++) {
		px[i] = unit(&s) * 20.0 - 10.0;
		py[i] = unit(&s) * 20.0 - 10.0;
		pz[i] = unit(&s) * 2.0 - 1.0;
		vx[i] = -py[i] * 0.05 + (unit(&s) - 0.5) * 0.01;
		vy[i] = px[i] * 0.05 + (unit(&s) - 0.5) * 0.01;
		vz[i] = (unit(&s) - 0.5) * 0.01;
		mass[i] = 0.5 + unit(&s);
	}
	const double dt = 0.001, eps2 = 0.01;
	uint64_t h = k_f64_bits(energy());
	for (uint32_t step = 0; step < n; step++) {
		for (int i = 0; i < NB; i++)
			ax[i] = ay[i] = az[i] = 0.0;
		for (int i = 0; i < NB; i++) {
			for (int j = i + 1; j < NB; j++) {
				double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
				double d2 = dx * dx + dy * dy + dz * dz + eps2;
				double inv = 1.0 / (d2 * __builtin_sqrt(d2));
				double fi = mass[j] * inv, fj = mass[i] * inv;
				ax[i] += dx * fi;
				ay[i] += dy * fi;
				az[i] += dz * fi;
				ax[j] -= dx * fj;
				ay[j] -= dy * fj;
				az[j] -= dz * fj;
			}
		}
		for (int i = 0; i < NB; i++) {
			vx[i] += ax[i] * dt;
			vy[i] += ay[i] * dt;
			vz[i] += az[i] * dt;
			px[i] += vx[i] * dt;
			py[i] += vy[i] * dt;
			pz[i] += vz[i] * dt;
		}
	}
	h = k_mix(h, k_f64_bits(energy()));
	for (int i = 0; i < NB; i++) {
		h = k_mix(h, k_f64_bits(px[i]));
		h = k_mix(h, k_f64_bits(py[i]));
		h = k_mix(h, k_f64_bits(pz[i]));
		h = k_mix(h, k_f64_bits(vx[i]));
		h = k_mix(h, k_f64_bits(vy[i]));
		h = k_mix(h, k_f64_bits(vz[i]));
	}
	return h;
}
