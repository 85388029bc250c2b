/*
 * wcd_util.c - random tokens, hex, clocks, directories, durable writes
 * (wcd_util.h).
 */
#include "wcd_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

bool wcd_random(void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = getrandom((uint8_t *)buf + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

void wcd_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

bool wcd_sha256(const void *p, size_t n, uint8_t out[WCD_DIGEST_LEN])
{
	unsigned int len = WCD_DIGEST_LEN;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == WCD_DIGEST_LEN;
}

int64_t wcd_now(void)
{
	return (int64_t)time(NULL);
}

int64_t wcd_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool wcd_mkdirs(const char *path, mode_t mode, cmn_error *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return cmn_fail(err, "bad directory path \"%s\"", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return cmn_fail(err, "cannot create directory %s: %s", buf,
			                strerror(errno));
		buf[i] = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return cmn_fail(err, "%s is not a directory", path);
	return true;
}

bool wcd_write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, (const uint8_t *)buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		done += (size_t)w;
	}
	return true;
}

bool wcd_write_atomic(const char *path, const void *buf, size_t n, mode_t mode, cmn_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof dir - 1)
		return cmn_fail(err, "bad file path \"%s\"", path);
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (!dir[0])
		snprintf(dir, sizeof dir, "/");
	if (snprintf(tmp, sizeof tmp, "%s/.tmp-%s.XXXXXX", dir, slash + 1) >= (int)sizeof tmp)
		return cmn_fail(err, "path too long: %s", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cmn_fail(err, "cannot create %s: %s", tmp, strerror(errno));
	bool ok = true;
	if (!wcd_write_all(fd, buf, n))
		ok = cmn_fail(err, "cannot write %s: %s", tmp, strerror(errno));
	if (ok && fchmod(fd, mode) != 0)
		ok = cmn_fail(err, "cannot chmod %s: %s", tmp, strerror(errno));
	if (ok && fsync(fd) != 0)
		ok = cmn_fail(err, "cannot fsync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && ok)
		ok = cmn_fail(err, "cannot close %s: %s", tmp, strerror(errno));
	if (ok && rename(tmp, path) != 0)
		ok = cmn_fail(err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (!ok) {
		unlink(tmp);
		return false;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return true;
}

bool wcd_path(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return r >= 0 && (size_t)r < n;
}
