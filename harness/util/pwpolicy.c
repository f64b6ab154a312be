/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password quality without the network: policy, derivability from serial
 * and MAC, stems shared between units, the known-default dictionary and
 * redaction.  Never logs a password.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util/err.h"
#include "util/pwpolicy.h"
#include "util/util.h"

#define ID_NORM_MAX	160

unsigned
hq_pw_classes(const char *pw)
{
	unsigned m = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)pw; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			m |= HQ_PW_UPPER;
		else if (*p >= 'a' && *p <= 'z')
			m |= HQ_PW_LOWER;
		else if (*p >= '0' && *p <= '9')
			m |= HQ_PW_DIGIT;
		else if (*p > ' ' && *p != 0x7f)
			m |= HQ_PW_SPECIAL;	/* punctuation, non-ASCII */
	}
	return m;
}

size_t
hq_pw_length(const char *pw)
{
	const unsigned char *p;
	size_t n = 0;

	/* Code points: count every byte that does not continue one. */
	for (p = (const unsigned char *)pw; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

void
hq_pw_class_names(unsigned mask, char *buf, size_t bufsz)
{
	static const struct { unsigned bit; const char *name; } cl[] = {
		{ HQ_PW_UPPER, "upper case" }, { HQ_PW_LOWER, "lower case" },
		{ HQ_PW_DIGIT, "digit" }, { HQ_PW_SPECIAL, "special" },
	};
	size_t i, off = 0;

	if (bufsz == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(cl) / sizeof(cl[0]); i++) {
		int n;

		if ((mask & cl[i].bit) == 0)
			continue;
		n = snprintf(buf + off, bufsz - off, "%s%s",
		    off > 0 ? ", " : "", cl[i].name);
		if (n < 0 || (size_t)n >= bufsz - off)
			return;
		off += (size_t)n;
	}
}

static unsigned
popcount4(unsigned m)
{
	return (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) + ((m >> 3) & 1);
}

size_t
hq_pwpolicy_check(const struct hq_pwpolicy *pol, const char *pw, char *why,
    size_t whysz)
{
	unsigned have = hq_pw_classes(pw), missing = pol->required & ~have;
	size_t len = hq_pw_length(pw), nv = 0, off = 0;
	char names[64];
	int n;

	if (whysz > 0)
		why[0] = '\0';
#define WHY(...) do {							\
		n = snprintf(why + off, whysz > off ? whysz - off : 0,	\
		    __VA_ARGS__);					\
		if (n > 0)						\
			off += (size_t)n;				\
		if (off >= whysz)					\
			off = whysz > 0 ? whysz - 1 : 0;		\
	} while (0)
	if (len < pol->min_len) {
		WHY("shorter than the policy's %u characters", pol->min_len);
		nv++;
	}
	if (missing != 0) {
		hq_pw_class_names(missing, names, sizeof(names));
		WHY("%smissing: %s", nv > 0 ? "; " : "", names);
		nv++;
	}
	if (popcount4(have) < pol->min_classes) {
		WHY("%sfewer character classes than the policy's %u",
		    nv > 0 ? "; " : "", pol->min_classes);
		nv++;
	}
#undef WHY
	return nv;
}

/* Lower-case alphanumeric form of s (MAC separators and dashes go). */
static size_t
norm_id(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < outsz; s++)
		if (isalnum((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
	return n;
}

static bool
derived_from(const char *pwn, const char *what, const char *id, char *why,
    size_t whysz)
{
	char n[ID_NORM_MAX], rev[ID_NORM_MAX];
	size_t len = norm_id(id, n, sizeof(n)), k;

	if (len < 4)
		return false;	/* too short to say anything */
	if (strcmp(pwn, n) == 0) {
		snprintf(why, whysz, "derived from the %s", what);
		return true;
	}
	if (strstr(pwn, n) != NULL) {
		snprintf(why, whysz, "derived from the %s", what);
		return true;
	}
	for (k = 0; k < len; k++)
		rev[k] = n[len - 1 - k];
	rev[len] = '\0';
	if (strstr(pwn, rev) != NULL) {
		snprintf(why, whysz, "derived from the %s", what);
		return true;
	}
	/* Suffixes: "last 6 of the MAC" is a classic label scheme. */
	for (k = len - 1; k >= 4; k--)
		if (strstr(pwn, n + (len - k)) != NULL) {
			snprintf(why, whysz, "derived from the %s", what);
			return true;
		}
	return false;
}

bool
hq_pw_derived(const char *pw, const char *serial, const char *mac, char *why,
    size_t whysz)
{
	char pwn[512];

	if (whysz > 0)
		why[0] = '\0';
	norm_id(pw, pwn, sizeof(pwn));
	if (pwn[0] == '\0')
		return false;
	return derived_from(pwn, "serial number", serial, why, whysz) ||
	    derived_from(pwn, "MAC address", mac, why, whysz);
}

size_t
hq_pw_common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] != '\0' && a[n] == b[n])
		n++;
	return n;
}

size_t
hq_pw_common_suffix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;

	while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
		n++;
	return n;
}

void
hq_pw_redact(const char *pw, char *out, size_t outsz)
{
	if (pw == NULL || pw[0] == '\0') {
		snprintf(out, outsz, "(empty)");
		return;
	}
	/* Neither a character nor the length: both narrow a search. */
	snprintf(out, outsz, "***");
}

int
hq_pw_random(char *out, size_t len, struct hq_err *err)
{
	static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrs"
	    "tuvwxyz23456789";
	unsigned char r[128];
	size_t i;

	if (len >= sizeof(r))
		return hq_err_set(err, HQ_EINVAL, "random password: %zu chars",
		    len);
	if (RAND_bytes(r, (int)len) != 1)
		return hq_err_tls(err, "RAND_bytes");
	for (i = 0; i < len; i++)
		out[i] = al[r[i] % (sizeof(al) - 1)];
	out[len] = '\0';
	return 0;
}

/* ---- the dictionary ---- */

void
hq_creddict_free(struct hq_creddict *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].user);
		free(d->v[i].password);
	}
	for (i = 0; i < d->nsources; i++)
		free(d->sources[i]);
	free(d->v);
	free(d->sources);
	free(d);
}

static char *
field_dup(const char *p, size_t n)
{
	if (n == 6 && memcmp(p, "(none)", 6) == 0)
		return strdup("");
	return hq_strndup(p, n);
}

int
hq_creddict_parse(const char *name, const char *text, size_t len,
    struct hq_creddict **dp, struct hq_err *err)
{
	struct hq_creddict *d;
	const char *p = text, *end = text + len;
	size_t lineno = 0, cap = 0, scap = 0, i;
	int rc = 0;

	*dp = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	hq_sha256_hex(text, len, d->sha256);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *tab;
		size_t ll = (size_t)(le - p);
		bool dup = false;
		char *u, *pw;

		lineno++;
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll == 0 || p[0] == '#')
			goto next;
		if (ll > 8 && memcmp(p, "@source ", 8) == 0) {
			if (d->nsources == scap) {
				size_t nc = scap ? scap * 2 : 16;
				char **ns = realloc(d->sources,
				    nc * sizeof(*ns));

				if (ns == NULL)
					goto nomem;
				d->sources = ns;
				scap = nc;
			}
			if ((d->sources[d->nsources] = hq_strndup(p + 8,
			    ll - 8)) == NULL)
				goto nomem;
			d->nsources++;
			goto next;
		}
		if (d->nsources == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s:%zu: a credential "
			    "before any @source note", name, lineno);
			goto out;
		}
		tab = memchr(p, '\t', ll);
		if (tab == NULL || tab == p || tab == p + ll - 1 ||
		    memchr(tab + 1, '\t', ll - (size_t)(tab + 1 - p)) != NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "%s:%zu: expected "
			    "\"user<TAB>password\"", name, lineno);
			goto out;
		}
		if ((size_t)(tab - p) > HQ_DICT_FIELD_MAX ||
		    ll - (size_t)(tab - p) - 1 > HQ_DICT_FIELD_MAX) {
			rc = hq_err_set(err, HQ_EINVAL, "%s:%zu: field over "
			    "%d bytes", name, lineno, HQ_DICT_FIELD_MAX);
			goto out;
		}
		if (d->n >= HQ_DICT_ENTRIES_MAX) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: more than %d "
			    "entries", name, HQ_DICT_ENTRIES_MAX);
			goto out;
		}
		u = field_dup(p, (size_t)(tab - p));
		pw = field_dup(tab + 1, ll - (size_t)(tab - p) - 1);
		if (u == NULL || pw == NULL) {
			free(u);
			free(pw);
			goto nomem;
		}
		for (i = 0; i < d->n && !dup; i++)
			dup = strcmp(d->v[i].user, u) == 0 &&
			    strcmp(d->v[i].password, pw) == 0;
		if (dup) {
			free(u);
			free(pw);
			goto next;
		}
		if (d->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct hq_cred *nv = realloc(d->v, nc * sizeof(*nv));

			if (nv == NULL) {
				free(u);
				free(pw);
				goto nomem;
			}
			d->v = nv;
			cap = nc;
		}
		d->v[d->n].user = u;
		d->v[d->n].password = pw;
		d->v[d->n].source = d->sources[d->nsources - 1];
		d->n++;
 next:
		p = nl != NULL ? nl + 1 : end;
	}
	if (d->n == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: no credentials", name);
		goto out;
	}
	*dp = d;
	d = NULL;
	goto out;
 nomem:
	rc = hq_err_set(err, HQ_ENOMEM, "no memory");
 out:
	hq_creddict_free(d);
	return rc;
}

int
hq_creddict_load(const char *path, struct hq_creddict **dp,
    struct hq_err *err)
{
	char *text = NULL;
	size_t len;
	int rc;

	*dp = NULL;
	if ((rc = hq_file_slurp(path, HQ_DICT_FILE_MAX, &text, &len,
	    err)) != 0)
		return rc;
	rc = hq_creddict_parse(path, text, len, dp, err);
	free(text);
	return rc;
}

bool
hq_creddict_has_password(const struct hq_creddict *d, const char *password)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].password, password) == 0)
			return true;
	return false;
}
