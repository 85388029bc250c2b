/*
 * jit_link.h - a small static linker for the ELF64 x86-64 relocatable
 * objects LLVM emits: lays out their code and read-only data in one flat
 * image and applies the (PC-relative only) relocations, so the image runs
 * wherever it is mapped.
 *
 * Accepted: SHF_ALLOC sections that are executable or read-only data
 * (.text*, .rodata*, constant pools, jump tables), laid out text first, then
 * data, each at its own alignment (the image must be mapped at an address
 * aligned to jit_linked.align, at most 4096). .eh_frame and non-allocated
 * sections are ignored. Relocations: R_X86_64_NONE, PC32, PLT32, PC64, and
 * (REX_)GOTPCRELX on a `mov` (relaxed to `lea`). Refused with an error:
 * writable or zero-fill sections with content ("writable section NAME not
 * supported"), any other relocation ("relocation type N not supported"),
 * a reference no object defines ("undefined symbol NAME"), a symbol defined
 * twice ("duplicate symbol NAME"), absolute or common symbols, malformed
 * objects ("malformed object: ...").
 */
#ifndef JIT_LINK_H
#define JIT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

typedef struct jit_object {
	const uint8_t *data;
	size_t size;
} jit_object;

typedef struct jit_sym {
	const char *name;  /* inside jit_linked.names */
	uint64_t off;      /* from the start of the image */
} jit_sym;

typedef struct jit_linked {
	uint8_t *text;     /* malloc'd, relocated */
	size_t size;
	uint64_t align;    /* largest section alignment */
	uint32_t nsyms;    /* global symbols defined by the objects */
	jit_sym *syms;     /* hash table of nsyms_cap entries (name NULL =
	                      empty) */
	uint32_t syms_cap;
	char *names;
} jit_linked;

/* Links `n` objects. On success fills *ret (jit_linked_free). */
bool jit_link(const jit_object *objs, size_t n, jit_linked *ret,
              cmn_error *err);

/* Offset of global symbol `name`; false when not defined. */
bool jit_linked_lookup(const jit_linked *l, const char *name,
                       uint64_t *ret_off);

/* Releases what jit_link allocated (text included unless taken: set
 * l->text = NULL first). Accepts a zeroed struct. */
void jit_linked_free(jit_linked *l);

#endif
