#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The alarm faults of the real QCVN 132 camera case (netcut-qcvn-lib.sh),
# part 2 of 3, on bench 161: quiet audible-only visual-only false each FAIL
# for its own reason.  HQ_NETCUT_QCVN_FAULTS=0 skips them.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
. "$(dirname "$0")/netcut-qcvn-lib.sh"
N=${HQ_NETCUT_QCVN_FAULTS_BENCH:-$(bn 161)}
[ "${HQ_NETCUT_QCVN_FAULTS:-1}" = 0 ] || nq_up
nq_faults quiet audible-only visual-only false
t_done
