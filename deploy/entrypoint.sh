#!/bin/sh
# Container entry point: make sure the home exists (first start), then run the given diemtin command.
# The store URL, province and every other setting come from DIEMTIN_* environment variables.
set -eu
HOME_DIR="${DIEMTIN_HOME:-/data/home}"
if [ ! -f "$HOME_DIR/config.yaml" ]; then
    diemtin --home "$HOME_DIR" init --province "${DIEMTIN_PROVINCE:-thai-nguyen}" --store-url "${DIEMTIN_STORE__URL:-embedded}"
fi
exec diemtin --home "$HOME_DIR" "$@"
