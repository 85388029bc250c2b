/* hashtable: a string and hash-table workload. Builds a 1 MiB text of words
 * drawn with a skewed distribution from a generated vocabulary, then n times
 * tokenises the text, hashes each word (FNV-1a, seeded per pass) and counts
 * it in an open-addressing table keyed by the word's bytes. Checksum: the
 * table's counts and positions, the number of distinct words and the most
 * frequent word of each pass. */
#include "kernel.h"

#define BENCH_N 120
#define VOCAB 20000
#define TEXTSZ (1u << 20)
#define SLOTS (1u << 16)

static uint8_t vocab_text[VOCAB * 12];
static uint32_t vocab_off[VOCAB], vocab_len[VOCAB];
static uint8_t text[TEXTSZ];

struct slot {
	uint32_t hash;
	uint32_t off; /* of the first occurrence in text */
	uint32_t len; /* 0: empty */
	uint32_t count;
};
static struct slot table[SLOTS];

static int same(const uint8_t *a, const uint8_t *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static uint32_t build_text(void)
{
	uint32_t s = 0xc0ffee11u, at = 0;
	for (uint32_t w = 0; w < VOCAB; w++) {
		uint32_t len = 3 + k_rand(&s) % 10;
		vocab_off[w] = at;
		vocab_len[w] = len;
		for (uint32_t i = 0; i < len; i++)
			vocab_text[at++] = (uint8_t)('a' + k_rand(&s) % 26);
	}
	uint32_t t = 0;
	for (;;) {
		uint32_t a = k_rand(&s) % VOCAB, b = k_rand(&s) % VOCAB;
		uint32_t w = (uint32_t)((uint64_t)a * b / VOCAB); /* skewed to small */
		uint32_t len = vocab_len[w];
		if (t + len + 1 > TEXTSZ)
			break;
		for (uint32_t i = 0; i < len; i++)
			text[t++] = vocab_text[vocab_off[w] + i];
		/* separators: mostly spaces, some punctuation and newlines */
		uint32_t r = k_rand(&s) & 15;
		text[t++] = r == 0 ? '\n' : r == 1 ? ',' : r == 2 ? '.' : ' ';
	}
	return t;
}

static inline int is_letter(uint8_t c)
{
	return c >= 'a' && c <= 'z';
}

uint64_t run(uint32_t n)
{
	uint32_t tlen = build_text();
	uint64_t h = tlen;
	for (uint32_t r = 0; r < n; r++) {
		for (uint32_t i = 0; i < SLOTS; i++)
			table[i].len = 0;
		uint32_t distinct = 0;
		uint32_t i = 0;
		while (i < tlen) {
			while (i < tlen && !is_letter(text[i]))
				i++;
			uint32_t start = i;
			uint32_t hash = 2166136261u ^ (r * 0x01000193u);
			while (i < tlen && is_letter(text[i])) {
				hash = (hash ^ text[i]) * 16777619u;
				i++;
			}
			uint32_t len = i - start;
			if (len == 0)
				break;
			uint32_t at = hash & (SLOTS - 1);
			for (;;) {
				struct slot *e = &table[at];
				if (e->len == 0) {
					e->hash = hash;
					e->off = start;
					e->len = len;
					e->count = 1;
					distinct++;
					break;
				}
				if (e->hash == hash && e->len == len &&
				    same(&text[e->off], &text[start], len)) {
					e->count++;
					break;
				}
				at = (at + 1) & (SLOTS - 1);
			}
		}
		uint64_t sum = 0;
		uint32_t best = 0;
		for (uint32_t k = 0; k < SLOTS; k++) {
			if (table[k].len == 0)
				continue;
			sum += (uint64_t)table[k].count * (k + 1);
			if (table[k].count > table[best].count || table[best].len == 0)
				best = k;
		}
		h = k_mix(h, sum);
		h = k_mix(h, distinct);
		h = k_mix(h, table[best].off);
	}
	return h;
}
