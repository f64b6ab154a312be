#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The alarm faults of the real QCVN 132 camera case (netcut-qcvn-lib.sh),
# part 3 of 3, on bench 162: no-backlog no-reconnect each FAIL
# for its own reason.  HQ_NETCUT_QCVN_FAULTS=0 skips them.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/simbench.sh"
. "$(dirname "$0")/netcut-qcvn-lib.sh"
N=${HQ_NETCUT_QCVN_FAULTS_BENCH:-$(bn 162)}
[ "${HQ_NETCUT_QCVN_FAULTS:-1}" = 0 ] || nq_up
nq_faults no-backlog no-reconnect
t_done
