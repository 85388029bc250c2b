/*
 * wasmc-compile - compile a module into an artifact (rt_artifact.h).
 *
 *   wasmc-compile FILE.wasm -o FILE.cwasm [--tier fast|optimized] [--fuel]
 *                 [--deadline] [--cpu NAME]
 *
 * Exit status: 0 ok; 2 bad arguments, unreadable / invalid module,
 * unsupported feature or write error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_file.h"
#include "jit.h"
#include "rt_artifact.h"
#include "wh_compile.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: wasmc-compile FILE.wasm -o FILE.cwasm [--tier fast|optimized]\n"
	           "                     [--fuel] [--deadline] [--cpu NAME]\n");
}

int main(int argc, char **argv)
{
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = JIT_TIER_OPTIMIZED;
	const char *in = NULL, *outp = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-o") == 0 && i + 1 < argc) {
			outp = argv[++i];
		} else if (strcmp(a, "--tier") == 0 && i + 1 < argc) {
			const char *t = argv[++i];
			if (strcmp(t, "fast") == 0)
				opt.tier = JIT_TIER_FAST;
			else if (strcmp(t, "optimized") == 0)
				opt.tier = JIT_TIER_OPTIMIZED;
			else {
				fprintf(stderr, "wasmc-compile: unknown tier %s\n", t);
				return 2;
			}
		} else if (strcmp(a, "--fuel") == 0) {
			opt.fuel = true;
		} else if (strcmp(a, "--deadline") == 0) {
			opt.deadline = true;
		} else if (strcmp(a, "--cpu") == 0 && i + 1 < argc) {
			opt.cpu = argv[++i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "wasmc-compile: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (!in) {
			in = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!in || !outp) {
		usage(stderr);
		return 2;
	}
	cmn_error err;
	cmn_error_clear(&err);
	size_t size;
	uint8_t *bytes = cmn_read_file(in, &size, &err);
	if (!bytes) {
		fprintf(stderr, "wasmc-compile: %s\n", err.msg);
		return 2;
	}
	rt_module *mod;
	rt_consts consts;
	rt_image *img;
	wh_compile_abort_guard(true, "wasmc-compile");
	wh_stage st = wh_compile(bytes, size, WB_FEAT_DEFAULT, &opt, &mod, &consts, &img, &err);
	wh_compile_abort_guard(false, NULL);
	if (st != WH_OK) {
		fprintf(stderr, "wasmc-compile: %s: %s: %s\n", in, wh_stage_name(st), err.msg);
		free(bytes);
		return 2;
	}
	bool ok = rt_artifact_write(outp, mod, &consts, img, &err);
	rt_image_free(img);
	rt_module_free(mod);
	free(bytes);
	if (!ok) {
		fprintf(stderr, "wasmc-compile: %s\n", err.msg);
		return 2;
	}
	return 0;
}
