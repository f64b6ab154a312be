/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What went wrong in a libcurl transfer, said from the device's side.
 * libcurl reports its own limits on what a server sends as if they were
 * local failures: a header line over CURL_MAX_HTTP_HEADER (100 KiB) is
 * CURLE_OUT_OF_MEMORY ("Out of memory"), headers over its total limit
 * (300 KiB) are CURLE_RECV_ERROR ("Failure when receiving data from the
 * peer").  A report must blame the device that sent them, not the lab's
 * memory or the network.
 */
#ifndef HQ_CURLWHY_H
#define HQ_CURLWHY_H

#include <stdbool.h>

#include <curl/curl.h>

/* Headers this large, or more, count as the device's doing. */
#define HQ_CURL_HEAD_BIG	(100 * 1024)

/*
 * The reason for cc on handle eh (after curl_easy_perform, before
 * cleanup): "header too large ...", "headers too large ..." or
 * curl_easy_strerror(cc).  *devicep (may be NULL) is set when the reason
 * is what the device sent.  Static strings.
 */
const char *hq_curl_why(CURL *eh, CURLcode cc, bool *devicep);

#endif
