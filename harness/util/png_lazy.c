/* SPDX-License-Identifier: Apache-2.0 */
/* libpng, loaded on first use (util/lazy.h). */
#include <png.h>

#define SONAME	"libpng16.so.16"
#define FUNCS(X) \
	X(png_image_begin_read_from_file) X(png_image_finish_read) \
	X(png_image_free) X(png_image_write_to_file)
#include "util/lazy_tmpl.h"

int
png_image_begin_read_from_file(png_imagep image, const char *file_name)
{
	return L(png_image_begin_read_from_file)(image, file_name);
}

int
png_image_finish_read(png_imagep image, png_const_colorp background,
    void *buffer, png_int_32 row_stride, void *colormap)
{
	return L(png_image_finish_read)(image, background, buffer, row_stride,
	    colormap);
}

void
png_image_free(png_imagep image)
{
	L(png_image_free)(image);
}

int
png_image_write_to_file(png_imagep image, const char *file,
    int convert_to_8bit, const void *buffer, png_int_32 row_stride,
    const void *colormap)
{
	return L(png_image_write_to_file)(image, file, convert_to_8bit, buffer,
	    row_stride, colormap);
}
