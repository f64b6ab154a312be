/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles as a whole: composition ("use" of another profile's case, with
 * overrides validated, cycles and missing targets refused), and the shipped
 * profiles' coverage: every requirement group has a case and every case a
 * known family with valid params, a check proven able to fail on a copy
 * whose group was emptied.
 */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "core/profile.h"
#include "family.h"
#include "model/dut.h"
#include "util/err.h"

static const char base_json[] =
"{ \"format\": \"hopquy-profile/1\", \"id\": \"base\",\n"
"  \"title\": \"t\", \"regulation\": \"R 1\", \"issuer\": \"i\",\n"
"  \"version\": \"1.0\", \"status\": \"lab\",\n"
"  \"device_classes\": [\"ip-camera\"],\n"
"  \"groups\": [ { \"id\": \"g1\", \"title\": \"G one\" } ],\n"
"  \"testcases\": [ { \"id\": \"base/g1.1\", \"title\": \"scan\",\n"
"     \"description\": \"d\", \"group\": \"g1\", \"family\": \"surface\",\n"
"     \"mandatory\": true, \"timeout_s\": 60, \"refs\": [\"X 1\"],\n"
"     \"params\": { \"ports\": \"1-1024\", \"window\": 64 },\n"
"     \"param_notes\": { \"window\": \"lab default\" } } ] }\n";

/* The using profile: %s is the case's extra members. */
static const char user_fmt[] =
"{ \"format\": \"hopquy-profile/1\", \"id\": \"%s\",\n"
"  \"title\": \"t\", \"regulation\": \"R 2\", \"issuer\": \"i\",\n"
"  \"version\": \"1.0\", \"status\": \"lab\",\n"
"  \"device_classes\": [\"ip-camera\"],\n"
"  \"groups\": [ { \"id\": \"a\", \"title\": \"A\" } ],\n"
"  \"testcases\": [ { \"use\": \"%s\", \"id\": \"%s/a.1\",\n"
"     \"group\": \"a\"%s } ] }\n";

static char tmpdir[PATH_MAX];

static void
put(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hq-check-profiles.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	put("base.json", base_json);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	ck_assert_int_eq(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static int
load_user(const char *id, const char *use, const char *extra,
    struct hq_profile **pp, struct hq_err *err)
{
	char text[2048], name[64], path[PATH_MAX + 64];

	snprintf(text, sizeof(text), user_fmt, id, use, id, extra);
	snprintf(name, sizeof(name), "%s.json", id);
	put(name, text);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return hq_profile_load(path, pp, err);
}

START_TEST(test_profiles_use_resolves)
{
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	const struct hq_case *c;

	ck_assert_int_eq(load_user("user", "base/g1.1", ", \"params\": "
	    "{ \"window\": 16 }, \"mandatory\": false", &p, &err), 0);
	c = hq_profile_case(p, "user/a.1");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->use, "base/g1.1");
	ck_assert_str_eq(c->family, "surface");
	ck_assert_ptr_nonnull(c->fam);
	ck_assert_str_eq(c->group, "a");
	ck_assert_str_eq(c->title, "scan");
	ck_assert(!c->mandatory);
	ck_assert_int_eq(c->timeout_s, 60);
	ck_assert_int_eq((int)c->nrefs, 1);
	/* the override, and what was not overridden */
	ck_assert_int_eq(cJSON_GetObjectItem(c->params, "window")->valueint,
	    16);
	ck_assert_str_eq(cJSON_GetObjectItem(c->params, "ports")->valuestring,
	    "1-1024");
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(c->param_notes,
	    "window")->valuestring, "set by profile user"));
	/* data files are looked up next to the defining profile */
	ck_assert_ptr_nonnull(strstr(c->origin, "base.json"));
	hq_profile_free(p);
}
END_TEST

/* Each refusal: the extra members or target, and what the error names. */
static const struct {
	const char	*use;
	const char	*extra;
	const char	*expect;
} bad_uses[] = {
	{ "base/g1.1", ", \"params\": { \"window\": 0 }", "testcases[0]"
	    ".params.window" },
	{ "base/g1.1", ", \"params\": { \"nonsense\": 1 }", "nonsense" },
	{ "base/g1.1", ", \"family\": \"tls\"", "family" },
	{ "base/g9", "", "no such case in profile base" },
	{ "nowhere/g1.1", "", "profile nowhere not found" },
	{ "user/a.1", "", "case of this profile" },
	{ "base", "", "expected \"PROFILE/CASE\"" },
	{ "base/g1.1", ", \"group\": \"zz\"", "group" },
};

START_TEST(test_profiles_use_refused)
{
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	int rc;

	rc = load_user("user", bad_uses[_i].use, bad_uses[_i].extra, &p,
	    &err);
	ck_assert_int_eq(rc, HQ_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, bad_uses[_i].expect) != NULL,
	    "%s: expected \"%s\"", err.msg, bad_uses[_i].expect);
	ck_assert_msg(strstr(err.msg, "user.json") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_profiles_use_cycle)
{
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	char text[2048];

	/* two and then three profiles using each other in a ring */
	snprintf(text, sizeof(text), user_fmt, "pa", "pb/a.1", "pa", "");
	put("pa.json", text);
	snprintf(text, sizeof(text), user_fmt, "pb", "pc/a.1", "pb", "");
	put("pb.json", text);
	snprintf(text, sizeof(text), user_fmt, "pc", "pa/a.1", "pc", "");
	put("pc.json", text);
	ck_assert_int_eq(load_user("pa", "pb/a.1", "", &p, &err), HQ_EINVAL);
	ck_assert_msg(strstr(err.msg, "cycle") != NULL, "%s", err.msg);
	hq_err_clear(&err);
	ck_assert_int_eq(load_user("pa", "pa2/a.1", "", &p, &err), HQ_EINVAL);
	snprintf(text, sizeof(text), user_fmt, "pa2", "pa/a.1", "pa2", "");
	put("pa2.json", text);
	hq_err_clear(&err);
	ck_assert_int_eq(load_user("pa", "pa2/a.1", "", &p, &err), HQ_EINVAL);
	ck_assert_msg(strstr(err.msg, "cycle") != NULL, "%s", err.msg);
	/* a chain without a ring loads */
	snprintf(text, sizeof(text), user_fmt, "pz", "base/g1.1", "pz", "");
	put("pz.json", text);
	hq_err_clear(&err);
	ck_assert_int_eq(load_user("py", "pz/a.1", "", &p, &err), 0);
	ck_assert_str_eq(hq_profile_case(p, "py/a.1")->family, "surface");
	hq_profile_free(p);
}
END_TEST

/*
 * The coverage rule each shipped profile must meet: every requirement
 * group has at least one case, and every case names a registered family
 * (the loader has already run its check_params).  The first empty group
 * goes to *emptyp.
 */
/* Groups a shipped profile may leave without a case: none today.  An
 * entry ("PROFILE:GROUP") names a group whose cases are still to come. */
static const char *const pending[] = { NULL };

static bool
is_pending(const struct hq_profile *p, const char *gid)
{
	char key[300];
	size_t i;

	snprintf(key, sizeof(key), "%s:%s", p->id, gid);
	for (i = 0; pending[i] != NULL; i++)
		if (strcmp(pending[i], key) == 0)
			return true;
	return false;
}

static bool
covered(const struct hq_profile *p, const char **emptyp)
{
	size_t g, i, n;

	*emptyp = NULL;
	for (i = 0; i < p->ncases; i++)
		if (p->cases[i].fam == NULL ||
		    hq_family_find(p->cases[i].family) != p->cases[i].fam)
			return false;
	for (g = 0; g < p->ngroups; g++) {
		for (i = n = 0; i < p->ncases; i++)
			n += strcmp(p->cases[i].group, p->groups[g].id) == 0;
		if (n == 0 && !is_pending(p, p->groups[g].id)) {
			*emptyp = p->groups[g].id;
			return false;
		}
	}
	return true;
}

static const char *
top(void)
{
	const char *t = getenv("HQ_TOP");

	return t != NULL ? t : ".";
}

START_TEST(test_profiles_shipped_covered)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	size_t nprofiles = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/profiles", top());
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		struct hq_profile *p = NULL;
		struct hq_err err = { 0 };
		const char *empty;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
		    strcmp(de->d_name, "profile.schema.json") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_msg(hq_profile_load(path, &p, &err) == 0, "%s",
		    err.msg);
		ck_assert_msg(hq_profile_check_data(p, &err) == 0, "%s",
		    err.msg);
		ck_assert_msg(covered(p, &empty), "%s: group %s has no test "
		    "case", path, empty != NULL ? empty : "(family)");
		hq_profile_free(p);
		nprofiles++;
	}
	closedir(d);
	ck_assert_uint_ge(nprofiles, 4);
}
END_TEST

/* Copies a shipped profile, removes every case of its first group, and
 * checks that the coverage rule names that group. */
START_TEST(test_profiles_emptied_group_fails)
{
	static const char *const names[] = { "qcvn135-2024", "qcvn132-2026",
	    "etsi-en-303-645", "vstl-aicnc-2026-draft", NULL };
	char src[PATH_MAX], dst[PATH_MAX + 64], cmd[3 * PATH_MAX];
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	const char *empty, *gid;
	cJSON *root, *cases, *c, *g;
	FILE *f;
	char *text;
	long len;
	int i, n;

	snprintf(src, sizeof(src), "%s/profiles/%s.json", top(), names[_i]);
	if (access(src, R_OK) != 0)
		return;		/* not on this branch yet: nothing to mutate */
	/* the siblings too, so "use" and data files resolve in the copy */
	snprintf(cmd, sizeof(cmd), "cp -r '%s/profiles/.' '%s/'", top(),
	    tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_ptr_nonnull(f = fopen(src, "r"));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	ck_assert_ptr_nonnull(root = cJSON_Parse(text));
	free(text);
	/* the first group whose cases are not all of the profile's (a
	 * profile keeps at least one case); else a new, empty group */
	cases = cJSON_GetObjectItem(root, "testcases");
	n = cJSON_GetArraySize(cases);
	gid = NULL;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(root, "groups")) {
		int in = 0;

		cJSON_ArrayForEach(c, cases)
			in += strcmp(cJSON_GetObjectItem(c, "group")->valuestring,
			    cJSON_GetObjectItem(g, "id")->valuestring) == 0;
		if (in > 0 && in < n) {
			gid = cJSON_GetObjectItem(g, "id")->valuestring;
			break;
		}
	}
	if (gid != NULL) {
		for (i = n - 1; i >= 0; i--) {
			c = cJSON_GetArrayItem(cases, i);
			if (strcmp(cJSON_GetObjectItem(c, "group")->valuestring,
			    gid) == 0)
				cJSON_DeleteItemFromArray(cases, i);
		}
		ck_assert_int_lt(cJSON_GetArraySize(cases), n);
	} else {
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "id", "mutant");
		cJSON_AddStringToObject(g, "title", "emptied");
		cJSON_AddItemToArray(cJSON_GetObjectItem(root, "groups"), g);
		gid = "mutant";
	}
	text = cJSON_Print(root);
	snprintf(dst, sizeof(dst), "%s/%s.json", tmpdir, names[_i]);
	ck_assert_ptr_nonnull(f = fopen(dst, "w"));
	fputs(text, f);
	fclose(f);
	free(text);
	ck_assert_msg(hq_profile_load(dst, &p, &err) == 0, "%s", err.msg);
	ck_assert(!covered(p, &empty));
	ck_assert_ptr_nonnull(empty);
	ck_assert_str_eq(empty, gid);
	hq_profile_free(p);
	cJSON_Delete(root);
}
END_TEST

/* The DUT section "disclosure": URLs as published, a CA file that exists. */
static const char dut_fmt[] =
"{ \"format\": \"hopquy-dut/1\",\n"
"  \"identity\": { \"manufacturer\": \"m\", \"model\": \"x\",\n"
"     \"serial\": \"S1\", \"firmware\": \"1.0\", \"class\": \"ip-camera\" },\n"
"  \"bench\": { \"mode\": \"namespaces\", \"address\": \"198.18.0.2\",\n"
"     \"cloud\": [\"198.19.0.2\"] },\n"
"  \"surfaces\": [ { \"id\": \"web\", \"proto\": \"https\", \"port\": 443 } ],\n"
"  \"disclosure\": { %s } }\n";

static const struct {
	const char	*body;
	const char	*expect;	/* NULL: loads */
} disclosures[] = {
	{ "\"security_txt\": \"https://v.example/.well-known/security.txt\", "
	  "\"update_info\": \"http://v.example/fw\", \"ca\": \"base.json\"",
	  NULL },
	{ "\"security_txt\": \"ftp://v.example/security.txt\"",
	  "disclosure.security_txt: expected an http:// or https:// URL" },
	{ "\"update_info\": \"https://v.example/a b\"",
	  "disclosure.update_info: a URL without spaces" },
	{ "\"ca\": \"no-such-ca.pem\"", "disclosure.ca: " },
	{ "\"contact\": \"x\"", "disclosure.contact: unknown key" },
};

START_TEST(test_profiles_dut_disclosure)
{
	char text[1024], path[PATH_MAX + 64];
	struct hq_dut *d = NULL;
	struct hq_err err = { 0 };
	int rc;

	snprintf(text, sizeof(text), dut_fmt, disclosures[_i].body);
	put("dut.json", text);
	snprintf(path, sizeof(path), "%s/dut.json", tmpdir);
	rc = hq_dut_load(path, &d, &err);
	if (disclosures[_i].expect == NULL) {
		ck_assert_msg(rc == 0, "%s", err.msg);
		ck_assert_str_eq(d->disclosure.security_txt,
		    "https://v.example/.well-known/security.txt");
		ck_assert_str_eq(d->disclosure.update_info,
		    "http://v.example/fw");
		ck_assert_ptr_nonnull(strstr(d->disclosure.ca, "/base.json"));
	} else {
		ck_assert_int_eq(rc, HQ_EINVAL);
		ck_assert_msg(strstr(err.msg, disclosures[_i].expect) != NULL,
		    "%s: expected \"%s\"", err.msg, disclosures[_i].expect);
	}
	hq_dut_free(d);
}
END_TEST

Suite *
suite_profiles(void)
{
	Suite *s = suite_create("profiles");
	TCase *tc = tcase_create("use");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_profiles_use_resolves);
	tcase_add_loop_test(tc, test_profiles_use_refused, 0,
	    sizeof(bad_uses) / sizeof(bad_uses[0]));
	tcase_add_test(tc, test_profiles_use_cycle);
	tcase_add_loop_test(tc, test_profiles_dut_disclosure, 0,
	    sizeof(disclosures) / sizeof(disclosures[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("shipped");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_profiles_shipped_covered);
	tcase_add_loop_test(tc, test_profiles_emptied_group_fails, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
