/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput; built
 * with clang -fsanitize=fuzzer (make fuzz) or with driver.c's main(),
 * which feeds it every file of the corpus directories (make check).
 */
#ifndef HQ_FUZZ_H
#define HQ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input as a file, for the loaders that take a path: an anonymous
 * memory file, named /proc/self/fd/N in path.  Returns its fd (close it),
 * or -1.
 */
static inline int
fuzz_file(const uint8_t *data, size_t size, char *path, size_t pathsz)
{
	int fd = memfd_create("hq-fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, pathsz, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
