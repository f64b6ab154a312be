# SPDX-License-Identifier: Apache-2.0
# Sourced after simbench.sh: update_dut IN OUT writes OUT, the DUT
# description IN with the update recipe of the reference simulator (push to
# /api/firmware with digest, version from /api/version, health from
# /api/health) and the fixture images of $HQ_BUILD/fixtures/images.
# With UPD_PULL=ADDR, pull mode instead: hopquy serves the image on ADDR
# and the trigger is a request step (POST /api/firmware/fetch {"url"}).
update_dut() {
	$PY - "$1" "$2" "$HQ_BUILD/fixtures/images" "${3:-hqfw}" \
	    "${UPD_PULL:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
img = sys.argv[3]
d["update"] = {
    "submit": {"request": {"surface": "web", "method": "POST",
                           "path": "/api/firmware", "auth": "digest"},
               "timeout_ms": 60000},
    "outcome": {"accepted": {"status": [200], "contains": "installed"},
                "version": {"surface": "web", "method": "GET",
                            "path": "/api/version", "auth": "none",
                            "capture": {"version": "/version"}}},
    "health": {"request": {"surface": "web", "method": "GET",
                           "path": "/api/health", "auth": "none",
                           "expect": 200},
               "recover_ms": 5000},
    "genuine": {"file": img + "/fw-2.5.0.bin", "version": "2.5.0"},
    "older": {"file": img + "/fw-2.3.0.bin", "version": "2.3.0"},
    "format": sys.argv[4],
}
if sys.argv[5]:
    del d["update"]["submit"]
    d["update"]["pull"] = {"listen": sys.argv[5], "port": 8000}
    d["update"]["trigger"] = {
        "request": {"surface": "web", "method": "POST",
                    "path": "/api/firmware/fetch", "auth": "digest",
                    "body": {"url": "{url}"},
                    "expect": [200, 400, 403, 409, 413]},
        "timeout_ms": 60000}
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}
