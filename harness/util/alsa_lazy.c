/* SPDX-License-Identifier: Apache-2.0 */
/* ALSA's libasound, loaded on first use (util/lazy.h). */
#ifdef HQ_HAVE_ALSA
#include <alsa/asoundlib.h>

#define SONAME	"libasound.so.2"
#define FUNCS(X) \
	X(snd_pcm_close) X(snd_pcm_delay) X(snd_pcm_open) X(snd_pcm_readi) \
	X(snd_pcm_recover) X(snd_pcm_set_params) X(snd_strerror)
#include "util/lazy_tmpl.h"

int
snd_pcm_close(snd_pcm_t *pcm)
{
	return L(snd_pcm_close)(pcm);
}

int
snd_pcm_delay(snd_pcm_t *pcm, snd_pcm_sframes_t *delayp)
{
	return L(snd_pcm_delay)(pcm, delayp);
}

int
snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream,
    int mode)
{
	return L(snd_pcm_open)(pcm, name, stream, mode);
}

snd_pcm_sframes_t
snd_pcm_readi(snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size)
{
	return L(snd_pcm_readi)(pcm, buffer, size);
}

int
snd_pcm_recover(snd_pcm_t *pcm, int err, int silent)
{
	return L(snd_pcm_recover)(pcm, err, silent);
}

int
snd_pcm_set_params(snd_pcm_t *pcm, snd_pcm_format_t format,
    snd_pcm_access_t access, unsigned int channels, unsigned int rate,
    int soft_resample, unsigned int latency)
{
	return L(snd_pcm_set_params)(pcm, format, access, channels, rate,
	    soft_resample, latency);
}

const char *
snd_strerror(int errnum)
{
	return L(snd_strerror)(errnum);
}
#else
typedef int hq_alsa_lazy_unused;	/* ISO C: no empty unit */
#endif
