/*
 * jit_link.c - see jit_link.h. Reads ELF64 little-endian x86-64 ET_REL
 * objects with bounds checks on every offset (the objects come from LLVM,
 * but the unit tests hand in crafted ones).
 */
#include "jit_link.h"

#include <stdlib.h>
#include <string.h>

enum {
	SHT_PROGBITS = 1,
	SHT_SYMTAB = 2,
	SHT_RELA = 4,
	SHT_NOBITS = 8,
	SHT_REL = 9,
	SHT_X86_64_UNWIND = 0x70000001,
	SHF_WRITE = 0x1,
	SHF_ALLOC = 0x2,
	SHF_EXECINSTR = 0x4,
	SHN_UNDEF = 0,
	SHN_LORESERVE = 0xff00,
	SHN_ABS = 0xfff1,
	SHN_COMMON = 0xfff2,
	STB_LOCAL = 0,
	STT_SECTION = 3,
	R_X86_64_NONE = 0,
	R_X86_64_PC32 = 2,
	R_X86_64_PLT32 = 4,
	R_X86_64_PC64 = 24,
	R_X86_64_GOTPCRELX = 41,
	R_X86_64_REX_GOTPCRELX = 42,
};

typedef struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
} shdr;

typedef struct sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
} sym;

/* One object being linked. */
typedef struct obj {
	const uint8_t *data;
	size_t size;
	uint32_t nsec;
	shdr *sec;
	uint64_t *sec_off;   /* image offset per section, UINT64_MAX = none */
	uint32_t symtab;     /* section index, 0 = none */
	uint32_t nsyms;
	const uint8_t *syms; /* raw symbol table */
	const char *strtab;  /* symbol names */
	size_t strsize;
	const char *shstr;
	size_t shstrsize;
} obj;

#define NONE UINT64_MAX

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static bool in_bounds(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static const char *sec_name(const obj *o, uint32_t i)
{
	uint32_t n = o->sec[i].name;

	if (o->shstr == NULL || n >= o->shstrsize)
		return "?";
	if (memchr(o->shstr + n, 0, o->shstrsize - n) == NULL)
		return "?";
	return o->shstr + n;
}

static const char *sym_name(const obj *o, const sym *s)
{
	if (o->strtab == NULL || s->name >= o->strsize ||
	    memchr(o->strtab + s->name, 0, o->strsize - s->name) == NULL)
		return NULL;
	return o->strtab + s->name;
}

static void get_sym(const obj *o, uint32_t i, sym *s)
{
	const uint8_t *p = o->syms + (size_t)i * 24;

	s->name = rd32(p);
	s->info = p[4];
	s->other = p[5];
	s->shndx = rd16(p + 6);
	s->value = rd64(p + 8);
	s->size = rd64(p + 16);
}

static bool parse(obj *o, size_t index, cmn_error *err)
{
	const uint8_t *d = o->data;
	uint64_t shoff;
	uint32_t i, shstrndx;

	if (o->size < 64 || memcmp(d, "\177ELF", 4) != 0)
		return cmn_fail(err, "malformed object %zu: not ELF", index);
	if (d[4] != 2 || d[5] != 1)
		return cmn_fail(err, "malformed object %zu: not ELF64 LE",
		                index);
	if (rd16(d + 16) != 1 || rd16(d + 18) != 62)
		return cmn_fail(err, "malformed object %zu: not an x86-64 "
		                "relocatable object", index);
	shoff = rd64(d + 40);
	if (rd16(d + 58) != 64)
		return cmn_fail(err, "malformed object %zu: section header "
		                "size", index);
	o->nsec = rd16(d + 60);
	shstrndx = rd16(d + 62);
	if (o->nsec == 0 || !in_bounds(o->size, shoff, (uint64_t)o->nsec * 64))
		return cmn_fail(err, "malformed object %zu: section headers",
		                index);
	o->sec = calloc(o->nsec, sizeof(*o->sec));
	o->sec_off = malloc(o->nsec * sizeof(*o->sec_off));
	if (o->sec == NULL || o->sec_off == NULL)
		return cmn_fail(err, "out of memory");
	for (i = 0; i < o->nsec; i++) {
		const uint8_t *p = d + shoff + (size_t)i * 64;
		shdr *s = &o->sec[i];

		s->name = rd32(p);
		s->type = rd32(p + 4);
		s->flags = rd64(p + 8);
		s->addr = rd64(p + 16);
		s->offset = rd64(p + 24);
		s->size = rd64(p + 32);
		s->link = rd32(p + 40);
		s->info = rd32(p + 44);
		s->addralign = rd64(p + 48);
		s->entsize = rd64(p + 56);
		o->sec_off[i] = NONE;
		if (s->type != SHT_NOBITS && i != 0 &&
		    !in_bounds(o->size, s->offset, s->size))
			return cmn_fail(err, "malformed object %zu: section %u "
			                "out of bounds", index, i);
		if (s->addralign > 4096)
			return cmn_fail(err, "malformed object %zu: section %u "
			                "alignment %llu", index, i,
			                (unsigned long long)s->addralign);
		if (s->type == SHT_SYMTAB) {
			if (o->symtab != 0)
				return cmn_fail(err, "malformed object %zu: two "
				                "symbol tables", index);
			o->symtab = i;
		}
	}
	if (shstrndx < o->nsec && o->sec[shstrndx].type != SHT_NOBITS) {
		o->shstr = (const char *)d + o->sec[shstrndx].offset;
		o->shstrsize = o->sec[shstrndx].size;
	}
	if (o->symtab != 0) {
		const shdr *st = &o->sec[o->symtab];

		if (st->entsize != 24 || st->size % 24 != 0 ||
		    st->link >= o->nsec || o->sec[st->link].type == SHT_NOBITS)
			return cmn_fail(err, "malformed object %zu: symbol table",
			                index);
		o->nsyms = (uint32_t)(st->size / 24);
		o->syms = d + st->offset;
		o->strtab = (const char *)d + o->sec[st->link].offset;
		o->strsize = o->sec[st->link].size;
	}
	return true;
}

static bool is_eh_frame(const obj *o, uint32_t i)
{
	return o->sec[i].type == SHT_X86_64_UNWIND ||
	       strcmp(sec_name(o, i), ".eh_frame") == 0;
}

/* Sections that go into the image: pass 0 = code, pass 1 = data. */
static bool place(obj *o, int pass, uint64_t *pos, uint64_t *align,
                  cmn_error *err)
{
	uint32_t i;

	for (i = 1; i < o->nsec; i++) {
		const shdr *s = &o->sec[i];
		uint64_t a;

		if (!(s->flags & SHF_ALLOC) || is_eh_frame(o, i))
			continue;
		if (pass == 0) {
			if ((s->flags & SHF_WRITE) || s->type == SHT_NOBITS) {
				if (s->size != 0)
					return cmn_fail(err, "writable section %s "
					                "not supported",
					                sec_name(o, i));
				continue;
			}
			if (!(s->flags & SHF_EXECINSTR))
				continue;
		} else if ((s->flags & (SHF_EXECINSTR | SHF_WRITE)) ||
		           s->type == SHT_NOBITS) {
			continue;
		}
		a = s->addralign ? s->addralign : 1;
		if (a & (a - 1))
			return cmn_fail(err, "malformed object: section %s "
			                "alignment", sec_name(o, i));
		if (a > *align)
			*align = a;
		*pos = (*pos + a - 1) & ~(a - 1);
		o->sec_off[i] = *pos;
		if (s->size > (uint64_t)1 << 40)
			return cmn_fail(err, "section %s too large",
			                sec_name(o, i));
		*pos += s->size;
	}
	return true;
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static jit_sym *sym_slot(jit_sym *tab, uint32_t cap, const char *name)
{
	uint32_t i = hash_name(name) & (cap - 1);

	while (tab[i].name != NULL && strcmp(tab[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

bool jit_linked_lookup(const jit_linked *l, const char *name,
                       uint64_t *ret_off)
{
	const jit_sym *s;

	if (l->syms == NULL)
		return false;
	s = sym_slot(l->syms, l->syms_cap, name);
	if (s->name == NULL)
		return false;
	*ret_off = s->off;
	return true;
}

void jit_linked_free(jit_linked *l)
{
	free(l->text);
	free(l->syms);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

/* Collects global definitions into the hash table. */
static bool collect_globals(obj *objs, size_t n, jit_linked *l,
                            cmn_error *err)
{
	size_t k, total = 0, namebytes = 0, used = 0;
	uint32_t i, cap = 16;

	for (k = 0; k < n; k++) {
		for (i = 1; i < objs[k].nsyms; i++) {
			sym s;
			const char *nm;

			get_sym(&objs[k], i, &s);
			if ((s.info >> 4) == STB_LOCAL || s.shndx == SHN_UNDEF)
				continue;
			nm = sym_name(&objs[k], &s);
			if (nm == NULL)
				return cmn_fail(err, "malformed object %zu: symbol "
				                "name", k);
			total++;
			namebytes += strlen(nm) + 1;
		}
	}
	while (cap < total * 2 + 1)
		cap *= 2;
	l->syms = calloc(cap, sizeof(*l->syms));
	l->names = malloc(namebytes + 1);
	if (l->syms == NULL || l->names == NULL)
		return cmn_fail(err, "out of memory");
	l->syms_cap = cap;
	for (k = 0; k < n; k++) {
		obj *o = &objs[k];

		for (i = 1; i < o->nsyms; i++) {
			sym s;
			const char *nm;
			jit_sym *slot;
			size_t len;

			get_sym(o, i, &s);
			if ((s.info >> 4) == STB_LOCAL || s.shndx == SHN_UNDEF)
				continue;
			nm = sym_name(o, &s);
			if (s.shndx == SHN_ABS || s.shndx == SHN_COMMON)
				return cmn_fail(err, "absolute or common symbol %s "
				                "not supported", nm);
			if (s.shndx >= o->nsec || o->sec_off[s.shndx] == NONE)
				return cmn_fail(err, "symbol %s is in a section "
				                "that is not linked", nm);
			slot = sym_slot(l->syms, cap, nm);
			if (slot->name != NULL)
				return cmn_fail(err, "duplicate symbol %s", nm);
			len = strlen(nm) + 1;
			memcpy(l->names + used, nm, len);
			slot->name = l->names + used;
			slot->off = o->sec_off[s.shndx] + s.value;
			used += len;
			l->nsyms++;
		}
	}
	return true;
}

static bool relocate(obj *o, size_t index, jit_linked *l, cmn_error *err)
{
	uint32_t i;
	uint64_t j;

	for (i = 1; i < o->nsec; i++) {
		const shdr *rs = &o->sec[i];
		uint32_t target;

		if (rs->type == SHT_REL)
			return cmn_fail(err, "malformed object %zu: REL "
			                "relocations", index);
		if (rs->type != SHT_RELA)
			continue;
		target = rs->info;
		if (target >= o->nsec)
			return cmn_fail(err, "malformed object %zu: relocation "
			                "target", index);
		if (o->sec_off[target] == NONE)
			continue; /* .eh_frame and debug sections */
		if (rs->entsize != 24 || rs->size % 24 != 0 ||
		    rs->link != o->symtab || o->symtab == 0)
			return cmn_fail(err, "malformed object %zu: relocation "
			                "section", index);
		for (j = 0; j < rs->size / 24; j++) {
			const uint8_t *p = o->data + rs->offset + j * 24;
			uint64_t roff = rd64(p), info = rd64(p + 8);
			int64_t addend = (int64_t)rd64(p + 16);
			uint32_t type = (uint32_t)info;
			uint32_t symi = (uint32_t)(info >> 32);
			uint64_t S, P, width;
			int64_t v;
			sym s;
			uint8_t *at;

			if (type == R_X86_64_NONE)
				continue;
			width = type == R_X86_64_PC64 ? 8 : 4;
			if (!in_bounds(o->sec[target].size, roff, width))
				return cmn_fail(err, "malformed object %zu: "
				                "relocation offset", index);
			if (type != R_X86_64_PC32 && type != R_X86_64_PLT32 &&
			    type != R_X86_64_PC64 &&
			    type != R_X86_64_GOTPCRELX &&
			    type != R_X86_64_REX_GOTPCRELX)
				return cmn_fail(err, "relocation type %u not "
				                "supported", type);
			if (symi >= o->nsyms || symi == 0)
				return cmn_fail(err, "malformed object %zu: "
				                "relocation symbol", index);
			get_sym(o, symi, &s);
			if (s.shndx == SHN_UNDEF) {
				const char *nm = sym_name(o, &s);

				if (nm == NULL || !jit_linked_lookup(l, nm, &S))
					return cmn_fail(err, "undefined symbol %s",
					                nm ? nm : "?");
			} else if (s.shndx >= SHN_LORESERVE) {
				return cmn_fail(err, "absolute or common symbol "
				                "%s not supported",
				                sym_name(o, &s) ? sym_name(o, &s)
				                                : "?");
			} else if (s.shndx >= o->nsec ||
			           o->sec_off[s.shndx] == NONE) {
				return cmn_fail(err, "reference to section %s, "
				                "which is not linked",
				                s.shndx < o->nsec ? sec_name(o, s.shndx)
				                                  : "?");
			} else {
				S = o->sec_off[s.shndx] +
				    ((s.info & 0xF) == STT_SECTION ? 0 : s.value);
			}
			P = o->sec_off[target] + roff;
			at = l->text + P;
			if (type == R_X86_64_GOTPCRELX ||
			    type == R_X86_64_REX_GOTPCRELX) {
				/* mov foo@GOTPCREL(%rip), %reg -> lea foo(%rip) */
				if (roff < 2 || at[-2] != 0x8b)
					return cmn_fail(err, "relocation type %u not "
					                "supported", type);
				at[-2] = 0x8d;
			}
			v = (int64_t)(S + (uint64_t)addend - P);
			if (width == 8) {
				wr64(at, (uint64_t)v);
			} else {
				if (v < INT32_MIN || v > INT32_MAX)
					return cmn_fail(err, "relocation out of "
					                "range");
				wr32(at, (uint32_t)(int32_t)v);
			}
		}
	}
	return true;
}

bool jit_link(const jit_object *objs, size_t n, jit_linked *ret,
              cmn_error *err)
{
	obj *o = calloc(n ? n : 1, sizeof(*o));
	jit_linked l = {0};
	uint64_t pos = 0, align = 16;
	size_t k;
	uint32_t i;
	bool ok = false;

	if (o == NULL)
		return cmn_fail(err, "out of memory");
	for (k = 0; k < n; k++) {
		o[k].data = objs[k].data;
		o[k].size = objs[k].size;
		if (!parse(&o[k], k, err))
			goto out;
	}
	for (k = 0; k < n; k++)
		if (!place(&o[k], 0, &pos, &align, err))
			goto out;
	for (k = 0; k < n; k++)
		if (!place(&o[k], 1, &pos, &align, err))
			goto out;
	if (pos > (uint64_t)1 << 31) {
		cmn_fail(err, "code image too large");
		goto out;
	}
	l.size = (size_t)pos;
	l.align = align;
	l.text = calloc(1, l.size ? l.size : 1);
	if (l.text == NULL) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++)
		for (i = 1; i < o[k].nsec; i++)
			if (o[k].sec_off[i] != NONE &&
			    o[k].sec[i].type != SHT_NOBITS)
				memcpy(l.text + o[k].sec_off[i],
				       o[k].data + o[k].sec[i].offset,
				       o[k].sec[i].size);
	if (!collect_globals(o, n, &l, err))
		goto out;
	for (k = 0; k < n; k++)
		if (!relocate(&o[k], k, &l, err))
			goto out;
	*ret = l;
	ok = true;
out:
	if (!ok)
		jit_linked_free(&l);
	for (k = 0; k < n; k++) {
		free(o[k].sec);
		free(o[k].sec_off);
	}
	free(o);
	return ok;
}
