#!/bin/bash
# fault-injection.sh's part "rest" (FI_PART there says which runs each part makes):
# make check runs the three parts side by side.
FI_PART=rest
# shellcheck source-path=SCRIPTDIR source=fault-injection.sh
. "${E2E_DIR:-$(dirname "$0")}/fault-injection.sh"
