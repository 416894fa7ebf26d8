#!/usr/bin/env bash
# Print the control-plane bin dir for the pinned (or K8S_VERSION/ETCD_VERSION/HELM_VERSION-overridden)
# versions without building anything. Exit 0 always; with --check, exit 1 (and a hint on stderr)
# when the binaries have not been built yet.
#   BIN=$(scripts/control-plane/path.sh)            # where the binaries are / would be
#   scripts/control-plane/path.sh --check || echo "run scripts/control-plane/build.sh first"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${1:-}" in
  "") exec "$here/build.sh" --print-path ;;
  --check) exec "$here/build.sh" --check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
