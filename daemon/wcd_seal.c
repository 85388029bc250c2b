/*
 * wcd_seal.c - sealed memfd copies of artifacts (wcd_seal.h).
 */
#include "wcd_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmn_file.h"

int wcd_seal_copy(int fd, cmn_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		cmn_fail(err, "seal: cannot stat the artifact: %s", strerror(errno));
		return -1;
	}
	/* Workers map its code executable: ask for that explicitly where the
	 * kernel knows MFD_EXEC (Linux 6.3+, whose vm.memfd_noexec may refuse
	 * it otherwise). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
	int m = memfd_create("wasmc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (m < 0 && errno == EINVAL)
		m = memfd_create("wasmc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0) {
		cmn_fail(err, "seal: memfd_create: %s", strerror(errno));
		return -1;
	}
	char buf[1 << 16];
	for (off_t off = 0; off < st.st_size;) {
		size_t n = st.st_size - off < (off_t)sizeof buf ? (size_t)(st.st_size - off) : sizeof buf;
		if (!cmn_pread_full(fd, buf, n, (uint64_t)off)) {
			cmn_fail(err, "seal: cannot read the artifact: %s",
			         errno ? strerror(errno) : "it shrank");
			goto fail;
		}
		for (size_t w = 0; w < n;) {
			ssize_t k = write(m, buf + w, n - w);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				cmn_fail(err, "seal: cannot write the copy: %s", strerror(errno));
				goto fail;
			}
			w += (size_t)k;
		}
		off += (off_t)n;
	}
	if (fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
		cmn_fail(err, "seal: F_ADD_SEALS: %s", strerror(errno));
		goto fail;
	}
	return m;
fail:
	close(m);
	return -1;
}
