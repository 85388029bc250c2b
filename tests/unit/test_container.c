/*
 * test_container.c - component containers (runtime/rt_container.h): two
 * core artifacts and a plan in one sealed file load back, each module in
 * place (its code mapped from the container file); a flipped byte in the
 * plan or in a module, a truncated file, the wrong key or fingerprint are
 * refused before anything is mapped executable; the core loader refuses a
 * container and the container loader a core artifact.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_artifact.h"
#include "rt_container.h"
#include "rt_testmod.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

#define FP "test-engine fp=1"

static char dir[64];
static char path[128];
static uint8_t *art;
static size_t art_len;
static uint8_t *cont;
static size_t cont_len;
static const uint8_t PLAN[] = "a plan: opaque bytes to the runtime";

static void write_file(const char *p, const uint8_t *b, size_t n)
{
	FILE *f = fopen(p, "wb");
	cr_assert(f && fwrite(b, 1, n, f) == n);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/wasmc-test-container.XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/c.cwasm", dir);
	cmn_error err;
	rt_module *mod;
	rt_consts consts;
	cr_assert(wb_decode(TESTMOD_WASM, TESTMOD_WASM_SIZE, WB_FEAT_DEFAULT, &mod, &err), "%s",
	          err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err), "%s", err.msg);
	cr_assert(wb_const_lower_module(mod, &consts, &err), "%s", err.msg);
	rt_image *img = testmod_image(FP);
	cr_assert(rt_artifact_build(mod, &consts, img, NULL, 0, &art, &art_len, &err), "%s",
	          err.msg);
	rt_image_free(img);
	rt_module_free(mod);
	const uint8_t *arts[2] = {art, art};
	size_t lens[2] = {art_len, art_len};
	cr_assert(rt_container_build(FP, PLAN, sizeof PLAN, arts, lens, 2, &cont, &cont_len, &err),
	          "%s", err.msg);
	write_file(path, cont, cont_len);
}

static void teardown(void)
{
	free(art);
	free(cont);
	unlink(path);
	rmdir(dir);
}

TestSuite(container, .init = setup, .fini = teardown);

static bool load(const char *fp, const uint8_t *key, size_t keylen, rt_container **ret,
                 cmn_error *err)
{
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	bool ok = rt_container_load_fd(fd, fp, key, keylen, ret, err);
	close(fd);
	return ok;
}

Test(container, loads_plan_and_modules)
{
	rt_container *c;
	cmn_error err;
	cr_assert(load(FP, NULL, 0, &c, &err), "%s", err.msg);
	cr_expect_eq(c->plan_len, sizeof PLAN);
	cr_expect(memcmp(c->plan, PLAN, sizeof PLAN) == 0);
	cr_assert_eq(c->nmodules, 2);
	for (uint32_t i = 0; i < 2; i++) {
		cr_expect_not_null(c->modules[i]->text);
		cr_expect(c->modules[i]->mod->nfuncs > 0);
	}
	cr_expect_str_eq(c->fingerprint, FP);
	rt_container_free(c);
	rt_container_free(NULL);
}

Test(container, keyed_by_the_daemon)
{
	static const uint8_t key[32] = {7};
	cmn_error err;
	cr_assert(rt_artifact_seal(cont, cont_len, key, sizeof key, &err), "%s", err.msg);
	write_file(path, cont, cont_len);
	rt_container *c;
	cr_assert(load(FP, key, sizeof key, &c, &err), "%s", err.msg);
	rt_container_free(c);
	uint8_t other[32] = {8};
	cr_expect(!load(FP, other, sizeof other, &c, &err));
	cr_expect(strstr(err.msg, "MAC mismatch"), "%s", err.msg);
	cr_expect(!load(FP, NULL, 0, &c, &err), "a keyed container loaded without its key");
}

Test(container, damage_is_refused)
{
	cmn_error err;
	rt_container *c;
	/* a byte of the plan, of the module table, of the second module's code */
	size_t at[] = {cont_len / 2, cont_len - 40, cont_len - 100};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		uint8_t *copy = malloc(cont_len);
		memcpy(copy, cont, cont_len);
		copy[at[i]] ^= 0x40;
		write_file(path, copy, cont_len);
		free(copy);
		cr_expect(!load(FP, NULL, 0, &c, &err), "flip at %zu loaded", at[i]);
		cr_expect(strstr(err.msg, "checksum mismatch"), "%s", err.msg);
	}
	write_file(path, cont, cont_len - 1);
	cr_expect(!load(FP, NULL, 0, &c, &err));
	cr_expect(strstr(err.msg, "truncated"), "%s", err.msg);
	write_file(path, cont, cont_len);
	cr_expect(!load("another engine", NULL, 0, &c, &err));
	cr_expect(strstr(err.msg, "another engine"), "%s", err.msg);
}

Test(container, kinds_are_not_confused)
{
	cmn_error err;
	rt_loaded *l;
	int fd = open(path, O_RDONLY);
	cr_expect(!rt_artifact_load_fd(fd, FP, NULL, 0, &l, &err));
	cr_expect(strstr(err.msg, "is a component"), "%s", err.msg);
	close(fd);
	write_file(path, art, art_len);
	rt_container *c;
	cr_expect(!load(FP, NULL, 0, &c, &err));
	cr_expect(strstr(err.msg, "not a component"), "%s", err.msg);
}
