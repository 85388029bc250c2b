/*
 * rt_testmod.h - a tiny module and a hand-assembled x86-64 code image for
 * the runtime's unit tests (no compiler needed).
 *
 *   (module
 *     (memory 1)
 *     (global i32 (i32.const 7))
 *     (func (export "answer") (result i32) i32.const 42)
 *     (func (export "trap") (result i32) unreachable)
 *     (func (export "oob") (result i32) (i32.load (i32.const 65536)))
 *     (data (i32.const 0) "hi"))
 */
#ifndef RT_TESTMOD_H
#define RT_TESTMOD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_image.h"

static const uint8_t TESTMOD_WASM[] = {
	0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,
	0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
	0x05, 0x03, 0x01, 0x00, 0x01,
	0x06, 0x06, 0x01, 0x7F, 0x00, 0x41, 0x07, 0x0B,
	0x07, 0x17, 0x03,
	0x06, 'a', 'n', 's', 'w', 'e', 'r', 0x00, 0x00,
	0x04, 't', 'r', 'a', 'p', 0x00, 0x01,
	0x03, 'o', 'o', 'b', 0x00, 0x02,
	0x0A, 0x14, 0x03,
	0x04, 0x00, 0x41, 0x2A, 0x0B,
	0x03, 0x00, 0x00, 0x0B,
	0x09, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x0B,
	0x0B, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 'h', 'i',
};

#if defined(__x86_64__)
static const uint8_t TESTMOD_TEXT[] = {
	/* 0: answer: mov eax, 42; ret */
	0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3,
	/* 6: trap: mov rax,[rdi]; mov esi,1; sub rsp,8; call [rax] */
	0x48, 0x8B, 0x07, 0xBE, 0x01, 0x00, 0x00, 0x00, 0x48, 0x83, 0xEC, 0x08,
	0xFF, 0x10,
	/* 20: oob: mov rax,[rdi+32]; mov rax,[rax]; mov rax,[rax];
	 *          mov eax,[rax+0x10000]; ret */
	0x48, 0x8B, 0x47, 0x20, 0x48, 0x8B, 0x00, 0x48, 0x8B, 0x00,
	0x8B, 0x80, 0x00, 0x00, 0x01, 0x00, 0xC3,
	/* 37: tramp (vmctx, code, args): push rbx; mov rbx,rdx; call rsi;
	 *          mov [rbx],eax; pop rbx; ret */
	0x53, 0x48, 0x89, 0xD3, 0xFF, 0xD6, 0x89, 0x03, 0x5B, 0xC3,
};
#define TESTMOD_HAVE_CODE 1
#else
static const uint8_t TESTMOD_TEXT[] = {0};
#define TESTMOD_HAVE_CODE 0
#endif

static rt_image *testmod_image(const char *fingerprint)
{
	rt_image *img = calloc(1, sizeof *img);
	img->text_size = sizeof TESTMOD_TEXT;
	img->text = malloc(img->text_size);
	memcpy(img->text, TESTMOD_TEXT, img->text_size);
	img->nfuncs = 3;
	img->func_off = malloc(3 * sizeof(uint64_t));
	img->func_off[0] = 0;
	img->func_off[1] = 6;
	img->func_off[2] = 20;
	img->ntypes = 1;
	img->tramp_off = malloc(sizeof(uint64_t));
	img->tramp_off[0] = 37;
	img->nimports = 0;
	img->adapter_off = malloc(sizeof(uint64_t));
	img->fingerprint = strdup(fingerprint);
	return img;
}

#endif
