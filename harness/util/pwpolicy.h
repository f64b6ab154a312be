/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password quality without the network: a policy (length, character
 * classes), derivability from a unit's public identifiers (serial, MAC),
 * stems shared between units, the known-default credential dictionary and
 * redaction for reports.  Never logs a password; every message about one
 * uses hq_pw_redact().
 */
#ifndef HQ_PWPOLICY_H
#define HQ_PWPOLICY_H

#include <stdbool.h>
#include <stddef.h>

struct hq_err;

#define HQ_PW_UPPER	0x1u
#define HQ_PW_LOWER	0x2u
#define HQ_PW_DIGIT	0x4u
#define HQ_PW_SPECIAL	0x8u

#define HQ_DICT_FILE_MAX	(1u << 20)	/* 1 MiB */
#define HQ_DICT_ENTRIES_MAX	20000
#define HQ_DICT_FIELD_MAX	128

struct hq_pwpolicy {
	unsigned	min_len;	/* characters (UTF-8 code points) */
	unsigned	required;	/* HQ_PW_* classes that must appear */
	unsigned	min_classes;	/* at least this many classes */
};

/* The HQ_PW_* classes present in pw (non-ASCII counts as special). */
unsigned hq_pw_classes(const char *pw);
/* Code points in pw (bytes for invalid UTF-8). */
size_t	hq_pw_length(const char *pw);
/* "upper, digit" for the classes in mask into buf. */
void	hq_pw_class_names(unsigned mask, char *buf, size_t bufsz);
/*
 * Checks pw against pol; returns the number of violations and describes
 * them in why ("7 characters, policy needs 8; missing: special").
 */
size_t	hq_pwpolicy_check(const struct hq_pwpolicy *pol, const char *pw,
	    char *why, size_t whysz);
/*
 * True when pw is obviously derivable from serial or mac (either may be
 * NULL): equal to or containing either, or a suffix of 4 or more of their
 * alphanumeric form (case-insensitive, MAC separators ignored), or either
 * reversed.  why says which (no password text).
 */
bool	hq_pw_derived(const char *pw, const char *serial, const char *mac,
	    char *why, size_t whysz);
/* Length of the longest common prefix and suffix of a and b (bytes). */
size_t	hq_pw_common_prefix(const char *a, const char *b);
size_t	hq_pw_common_suffix(const char *a, const char *b);
/* "***" — no character, no length; "(empty)" for "". */
void	hq_pw_redact(const char *pw, char *out, size_t outsz);
/* A random printable password of len characters (for wrong attempts). */
int	hq_pw_random(char *out, size_t len, struct hq_err *err);

/*
 * The known-default credential dictionary: lines "user<TAB>password",
 * "# ..." comments, "@source ..." notes that head each block, "(none)" for
 * an empty field.  Duplicate pairs are dropped.
 */
struct hq_cred {
	char	*user;
	char	*password;
	const char *source;	/* the block's source note, borrowed */
};

struct hq_creddict {
	struct hq_cred	*v;
	size_t		 n;
	char		**sources;
	size_t		 nsources;
	char		 sha256[65];
};

int	hq_creddict_load(const char *path, struct hq_creddict **dp,
	    struct hq_err *err);
/* Parses text (NUL-terminated, len bytes); name is for messages. */
int	hq_creddict_parse(const char *name, const char *text, size_t len,
	    struct hq_creddict **dp, struct hq_err *err);
void	hq_creddict_free(struct hq_creddict *d);
/* True when password appears in the dictionary (case-sensitive). */
bool	hq_creddict_has_password(const struct hq_creddict *d,
	    const char *password);

#endif
