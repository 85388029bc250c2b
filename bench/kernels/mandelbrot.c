/* mandelbrot: escape-time iteration counts (limit 255) over a 256 x 256 grid,
 * n frames zooming towards a point on the set's boundary. Checksum: the
 * iteration counts of every frame. */
#include "kernel.h"

#define BENCH_N 16
#define W 256
#define MAXIT 255

uint64_t run(uint32_t n)
{
	uint64_t h = 0;
	double scale = 3.0;
	const double cx = -0.743643887037151, cy = 0.131825904205330;
	for (uint32_t f = 0; f < n; f++) {
		uint64_t total = 0, row_hash = 0;
		double step = scale / W;
		for (int py = 0; py < W; py++) {
			double ci = cy + (py - W / 2) * step;
			uint32_t row = 0;
			for (int px = 0; px < W; px++) {
				double cr = cx + (px - W / 2) * step;
				double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
				uint32_t it = 0;
				while (it < MAXIT && zr2 + zi2 <= 4.0) {
					zi = 2.0 * zr * zi + ci;
					zr = zr2 - zi2 + cr;
					zr2 = zr * zr;
					zi2 = zi * zi;
					it++;
				}
				total += it;
				row = row * 31 + it;
			}
			row_hash = k_mix(row_hash, row);
		}
		h = k_mix(h, total);
		h = k_mix(h, row_hash);
		scale *= 0.8;
	}
	return h;
}
