#!/bin/bash
# fault-injection.sh's part "stopped" (FI_PART there says which runs each part makes):
# make check runs the three parts side by side.
FI_PART=stopped
# shellcheck source-path=SCRIPTDIR source=fault-injection.sh
. "${E2E_DIR:-$(dirname "$0")}/fault-injection.sh"
