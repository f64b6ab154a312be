/* SPDX-License-Identifier: Apache-2.0 */
/* libjpeg, loaded on first use (util/lazy.h). */
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>

#define SONAME	"libjpeg.so.62"
#define FUNCS(X) \
	X(jpeg_CreateCompress) X(jpeg_CreateDecompress) \
	X(jpeg_destroy_compress) X(jpeg_destroy_decompress) \
	X(jpeg_finish_compress) X(jpeg_finish_decompress) X(jpeg_mem_dest) \
	X(jpeg_mem_src) X(jpeg_read_header) X(jpeg_read_scanlines) \
	X(jpeg_set_defaults) X(jpeg_set_quality) X(jpeg_start_compress) \
	X(jpeg_start_decompress) X(jpeg_std_error) X(jpeg_write_scanlines)
#include "util/lazy_tmpl.h"

void
jpeg_CreateCompress(j_compress_ptr c, int version, size_t size)
{
	L(jpeg_CreateCompress)(c, version, size);
}

void
jpeg_CreateDecompress(j_decompress_ptr d, int version, size_t size)
{
	L(jpeg_CreateDecompress)(d, version, size);
}

void
jpeg_destroy_compress(j_compress_ptr c)
{
	L(jpeg_destroy_compress)(c);
}

void
jpeg_destroy_decompress(j_decompress_ptr d)
{
	L(jpeg_destroy_decompress)(d);
}

void
jpeg_finish_compress(j_compress_ptr c)
{
	L(jpeg_finish_compress)(c);
}

boolean
jpeg_finish_decompress(j_decompress_ptr d)
{
	return L(jpeg_finish_decompress)(d);
}

void
jpeg_mem_dest(j_compress_ptr c, unsigned char **out, unsigned long *size)
{
	L(jpeg_mem_dest)(c, out, size);
}

void
jpeg_mem_src(j_decompress_ptr d, const unsigned char *in, unsigned long size)
{
	L(jpeg_mem_src)(d, in, size);
}

int
jpeg_read_header(j_decompress_ptr d, boolean require_image)
{
	return L(jpeg_read_header)(d, require_image);
}

JDIMENSION
jpeg_read_scanlines(j_decompress_ptr d, JSAMPARRAY lines, JDIMENSION max)
{
	return L(jpeg_read_scanlines)(d, lines, max);
}

void
jpeg_set_defaults(j_compress_ptr c)
{
	L(jpeg_set_defaults)(c);
}

void
jpeg_set_quality(j_compress_ptr c, int quality, boolean force_baseline)
{
	L(jpeg_set_quality)(c, quality, force_baseline);
}

void
jpeg_start_compress(j_compress_ptr c, boolean write_all_tables)
{
	L(jpeg_start_compress)(c, write_all_tables);
}

boolean
jpeg_start_decompress(j_decompress_ptr d)
{
	return L(jpeg_start_decompress)(d);
}

struct jpeg_error_mgr *
jpeg_std_error(struct jpeg_error_mgr *e)
{
	return L(jpeg_std_error)(e);
}

JDIMENSION
jpeg_write_scanlines(j_compress_ptr c, JSAMPARRAY lines, JDIMENSION n)
{
	return L(jpeg_write_scanlines)(c, lines, n);
}
