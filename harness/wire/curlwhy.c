/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl's failures said from the device's side (curlwhy.h). */
#include "wire/curlwhy.h"

const char *
hq_curl_why(CURL *eh, CURLcode cc, bool *devicep)
{
	long status = 0, hsize = 0;

	if (devicep != NULL)
		*devicep = false;
	if (eh != NULL) {
		curl_easy_getinfo(eh, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(eh, CURLINFO_HEADER_SIZE, &hsize);
	}
	/* libcurl's header-line limit surfaces as "Out of memory". */
	if (cc == CURLE_OUT_OF_MEMORY && (status > 0 || hsize > 0)) {
		if (devicep != NULL)
			*devicep = true;
		return "header too large (a header line over libcurl's "
		    "100 KiB limit)";
	}
	if ((cc == CURLE_RECV_ERROR || cc == CURLE_OUT_OF_MEMORY) &&
	    hsize >= HQ_CURL_HEAD_BIG) {
		if (devicep != NULL)
			*devicep = true;
		return "headers too large (over libcurl's limit on an "
		    "answer's headers)";
	}
	return curl_easy_strerror(cc);
}
