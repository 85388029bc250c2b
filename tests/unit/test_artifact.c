/*
 * test_artifact.c - the artifact writer and loader: a good artifact loads
 * and round-trips its description; truncated, bit-flipped, wrong-version,
 * wrong-fingerprint and wrongly keyed files are refused before any code is
 * mapped.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_artifact.h"
#include "rt_serial.h"
#include "rt_testmod.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

#define FP "test-engine fp=1"

static char dir[64];
static char path[128];
static rt_module *mod;
static rt_consts consts;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/wasmc-test-artifact.XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/m.cwasm", dir);
	cmn_error err;
	cr_assert(wb_decode(TESTMOD_WASM, TESTMOD_WASM_SIZE, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err), "%s", err.msg);
	cr_assert(wb_const_lower_module(mod, &consts, &err), "%s", err.msg);
	rt_image *img = testmod_image(FP);
	cr_assert(rt_artifact_write(path, mod, &consts, img, &err), "%s", err.msg);
	rt_image_free(img);
}

static void teardown(void)
{
	rt_module_free(mod);
	unlink(path);
	rmdir(dir);
}

TestSuite(artifact, .init = setup, .fini = teardown);

/* True when the process has an executable mapping of `p`. */
static bool mapped_exec(const char *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	bool found = false;
	while (f && fgets(line, sizeof line, f)) {
		char perms[8];
		if (sscanf(line, "%*s %7s", perms) == 1 && perms[2] == 'x' && strstr(line, p))
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static size_t file_size(const char *p)
{
	struct stat st;
	cr_assert(stat(p, &st) == 0);
	return (size_t)st.st_size;
}

static void patch(const char *p, size_t off, uint8_t xor_mask)
{
	int fd = open(p, O_RDWR);
	cr_assert(fd >= 0);
	uint8_t b;
	cr_assert(pread(fd, &b, 1, (off_t)off) == 1);
	b ^= xor_mask;
	cr_assert(pwrite(fd, &b, 1, (off_t)off) == 1);
	close(fd);
}

static void refused(const char *fp, const char *want)
{
	rt_loaded *l = NULL;
	cmn_error err;
	cmn_error_clear(&err);
	cr_assert_not(rt_artifact_load(path, fp, &l, &err), "loaded a bad artifact");
	cr_assert_null(l);
	cr_assert(strstr(err.msg, want) != NULL, "message \"%s\" lacks \"%s\"", err.msg, want);
	cr_assert_not(mapped_exec(path), "code was mapped");
}

Test(artifact, loads_and_round_trips)
{
	rt_loaded *l = NULL;
	cmn_error err;
	cr_assert(rt_artifact_load(path, FP, &l, &err), "%s", err.msg);
	cr_assert_str_eq(l->fingerprint, FP);
	cr_assert_eq(l->nfuncs, 3);
	cr_assert_eq(l->func_off[2], 20);
	cr_assert_eq(l->tramp_off[0], 37);
	cr_assert_eq(l->text_size, TESTMOD_TEXT_SIZE);
	cr_assert(memcmp(l->text, TESTMOD_TEXT, TESTMOD_TEXT_SIZE) == 0);
	cr_assert(mapped_exec(path));
	const rt_module *m = l->mod;
	cr_assert_eq(m->nfuncs, 3);
	cr_assert_eq(m->nexports, 3);
	cr_assert(m->exports[0].name.len == 6 && memcmp(m->exports[0].name.ptr, "answer", 6) == 0);
	cr_assert_eq(m->nmemories, 1);
	cr_assert_eq(m->memories[0].limits.min, 1);
	cr_assert_eq(m->memories[0].limits.page_log2, 16);
	cr_assert_eq(m->ndatas, 1);
	cr_assert_eq(m->datas[0].bytes.len, 2);
	cr_assert(memcmp(m->bytes + m->datas[0].bytes.off, "hi", 2) == 0);
	cr_assert_eq(l->consts->globals[0].nops, 1);
	cr_assert_eq(l->consts->globals[0].ops[0].op, RT_CE_I32_CONST);
	cr_assert_eq(l->consts->globals[0].ops[0].imm.i32, 7);
	cr_assert_eq(l->consts->data_offsets[0].ops[0].imm.i32, 0);
	cr_assert_eq(m->types[0].u.func.nresults, 1);
	cr_assert_eq(m->types[0].u.func.results[0].kind, RT_I32);
	rt_loaded_free(l);
	cr_assert_not(mapped_exec(path));
}

Test(artifact, any_fingerprint_when_none_expected)
{
	rt_loaded *l = NULL;
	cmn_error err;
	cr_assert(rt_artifact_load(path, NULL, &l, &err), "%s", err.msg);
	rt_loaded_free(l);
}

Test(artifact, truncated)
{
	size_t n = file_size(path);
	cr_assert(truncate(path, (off_t)(n - 1)) == 0);
	refused(FP, "truncated");
	cr_assert(truncate(path, 20) == 0);
	refused(FP, "truncated");
	cr_assert(truncate(path, 4) == 0);
	refused(FP, "bad magic");
}

Test(artifact, trailing_bytes)
{
	size_t n = file_size(path);
	cr_assert(truncate(path, (off_t)(n + 1)) == 0);
	refused(FP, "trailing");
}

Test(artifact, bit_flip_in_code)
{
	size_t n = file_size(path);
	patch(path, n - 32 - 3, 0x01); /* inside the text */
	refused(FP, "checksum mismatch");
}

Test(artifact, bit_flip_in_description)
{
	patch(path, 16 + 24 + 64 + 10, 0x80);
	refused(FP, "checksum mismatch");
}

Test(artifact, bit_flip_in_digest)
{
	size_t n = file_size(path);
	patch(path, n - 1, 0x10);
	refused(FP, "checksum mismatch");
}

Test(artifact, wrong_version)
{
	patch(path, 8, 0x02);
	refused(FP, "format version");
}

Test(artifact, bad_magic)
{
	patch(path, 0, 0x20);
	refused(FP, "bad magic");
}

Test(artifact, wrong_fingerprint)
{
	refused("another engine", "another engine");
	patch(path, 16, 0x01); /* fingerprint byte: refused by fingerprint first */
	refused(FP, "another engine");
}

Test(artifact, keyed)
{
	static const uint8_t key[] = "daemon secret";
	cmn_error err;
	rt_image *img = testmod_image(FP);
	cr_assert(rt_artifact_write_keyed(path, mod, &consts, img, key, sizeof key, &err), "%s", err.msg);
	rt_image_free(img);
	refused(FP, "no key");
	int fd = open(path, O_RDONLY);
	rt_loaded *l = NULL;
	static const uint8_t other[] = "other secret";
	cr_assert_not(rt_artifact_load_fd(fd, FP, other, sizeof other, &l, &err));
	cr_assert(strstr(err.msg, "MAC mismatch"), "%s", err.msg);
	cr_assert_not(mapped_exec(path));
	cr_assert(rt_artifact_load_fd(fd, FP, key, sizeof key, &l, &err), "%s", err.msg);
	close(fd);
	rt_loaded_free(l);
}

Test(artifact, sniff)
{
	cr_assert(rt_artifact_sniff(path));
	cr_assert_not(rt_artifact_sniff("/dev/null"));
}

Test(artifact, in_memory_image)
{
	rt_loaded *l = NULL;
	cmn_error err;
	rt_image *img = testmod_image(FP);
	cr_assert(rt_loaded_from_image(mod, &consts, img, &l, &err), "%s", err.msg);
	rt_image_free(img);
	cr_assert(memcmp(l->text, TESTMOD_TEXT, TESTMOD_TEXT_SIZE) == 0);
	cr_assert_eq(l->mod->nexports, 3);
	rt_loaded_free(l);
}

Test(artifact, serial_rejects_damage)
{
	uint8_t *buf;
	size_t len;
	cmn_error err;
	cr_assert(rt_serial_write(mod, &consts, &buf, &len, &err));
	rt_module *m2;
	rt_consts *c2;
	for (size_t cut = 0; cut < len; cut += 7) {
		cr_assert_not(rt_serial_read(buf, cut, &m2, &c2, &err), "accepted %zu of %zu bytes", cut, len);
	}
	cr_assert(rt_serial_read(buf, len, &m2, &c2, &err), "%s", err.msg);
	rt_module_free(m2);
	free(buf);
}
