#include "cmn_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint8_t *cmn_read_file(const char *path, size_t *ret_size, cmn_error *err)
{
	size_t cap = 65536, len = 0;
	uint8_t *buf, *grown;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		cmn_fail(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		cmn_fail(err, "cannot read %s: out of memory", path);
		goto fail_file;
	}
	for (;;) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
		if (grown == NULL) {
			cmn_fail(err, "cannot read %s: out of memory", path);
			goto fail_buf;
		}
		buf = grown;
		cap *= 2;
	}
	if (ferror(f)) {
		cmn_fail(err, "cannot read %s: %s", path, strerror(errno));
		goto fail_buf;
	}
	fclose(f);
	*ret_size = len;
	return buf;

fail_buf:
	free(buf);
fail_file:
	fclose(f);
	return NULL;
}

bool cmn_pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return false;
		}
		done += (size_t)r;
	}
	return true;
}
