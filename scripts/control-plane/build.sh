#!/usr/bin/env bash
# Build (or reuse) a local Kubernetes control plane for integration tests:
#   kube-apiserver, kube-controller-manager, kube-scheduler  (k8s.io/kubernetes)
#   etcd                                                      (go.etcd.io/etcd/server/v3)
#   helm                                                      (helm.sh/helm/v3/cmd/helm)
# Sources come from the Go module proxy only (GOPROXY without "direct"); no Docker, no git.
#
# Usage:
#   BIN=$(scripts/control-plane/build.sh | tail -1)   # builds if needed; last stdout line = bin dir
#   scripts/control-plane/build.sh --print-path       # bin dir for the configured versions, no build
#   scripts/control-plane/build.sh --check            # like --print-path, exit 1 if not built yet
#   scripts/control-plane/build.sh --force            # rebuild even if cached
#
# Environment:
#   K8S_VERSION, ETCD_VERSION, HELM_VERSION   override the pinned versions below
#   KUBE_CONVERGE_CACHE                       cache root (default: $HOME/.cache/kube-converge)
#   GOPROXY                                   module proxy list; "direct" entries are dropped
# All progress output goes to stderr; stdout carries only the bin dir (one line).
set -euo pipefail

# Pinned, verified versions (see docs/control-plane.md). Do not resolve "latest" here.
K8S_VERSION="${K8S_VERSION:-v1.34.10}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"

BINARIES=(kube-apiserver kube-controller-manager kube-scheduler etcd helm)

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { printf '[control-plane] ERROR: %s\n' "$*" >&2; exit 1; }

# Accept versions with or without the leading "v".
[[ "$K8S_VERSION" == v* ]] || K8S_VERSION="v$K8S_VERSION"
[[ "$ETCD_VERSION" == v* ]] || ETCD_VERSION="v$ETCD_VERSION"
[[ "$HELM_VERSION" == v* ]] || HELM_VERSION="v$HELM_VERSION"
semver_re='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
[[ "$K8S_VERSION" =~ $semver_re && "$K8S_VERSION" == v1.* ]] || die "K8S_VERSION must look like v1.34.10, got '$K8S_VERSION'"
[[ "$ETCD_VERSION" =~ $semver_re && "$ETCD_VERSION" == v3.* ]] || die "ETCD_VERSION must look like v3.6.16, got '$ETCD_VERSION'"
[[ "$HELM_VERSION" =~ $semver_re && "$HELM_VERSION" == v3.* ]] || die "HELM_VERSION must look like v3.22.0, got '$HELM_VERSION'"

CACHE_ROOT="${KUBE_CONVERGE_CACHE:-${HOME:?HOME is not set}/.cache/kube-converge}"
CP_DIR="$CACHE_ROOT/control-plane"
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
KEY_DIR="$CP_DIR/$KEY"
BIN_DIR="$KEY_DIR/bin"

is_complete() {
  local b
  for b in "${BINARIES[@]}"; do
    [[ -f "$BIN_DIR/$b" && -x "$BIN_DIR/$b" ]] || return 1
  done
}

MODE=build
case "${1:-}" in
  "") ;;
  --print-path) MODE=print ;;
  --check) MODE=check ;;
  --force) MODE=force ;;
  -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (try --help)" ;;
esac

case "$MODE" in
  print) echo "$BIN_DIR"; exit 0 ;;
  check)
    if is_complete; then echo "$BIN_DIR"; exit 0; fi
    log "not built: $BIN_DIR (run scripts/control-plane/build.sh)"
    echo "$BIN_DIR"; exit 1 ;;
  build)
    # Warm path: no go, no network, no lock.
    if is_complete; then echo "$BIN_DIR"; exit 0; fi ;;
esac

# ---------------------------------------------------------------- cold path
command -v go >/dev/null 2>&1 || die "'go' not found in PATH (Go >= 1.26 is needed to build etcd $ETCD_VERSION / helm $HELM_VERSION)"
command -v flock >/dev/null 2>&1 || die "'flock' (util-linux) not found in PATH"

mkdir -p "$CP_DIR"
exec 9>"$CP_DIR/.lock-$KEY"
if ! flock -n 9; then
  log "another build of $KEY is running; waiting for its lock..."
  flock 9
fi
if [[ "$MODE" == build ]] && is_complete; then echo "$BIN_DIR"; exit 0; fi

# Go environment: module proxy only, local toolchain, static binaries, no inherited flags/workspaces.
proxy_in="${GOPROXY:-$(go env GOPROXY)}"
proxy_out=""
IFS=',|' read -r -a proxy_parts <<<"$proxy_in"
for p in "${proxy_parts[@]}"; do
  case "$p" in ""|direct|off) ;; *) proxy_out="${proxy_out:+$proxy_out,}$p" ;; esac
done
export GOPROXY="${proxy_out:-off}"   # "off" = module cache only
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS= GOWORK=off GO111MODULE=on
unset GOOS GOARCH GOARM GOAMD64 GOEXPERIMENT 2>/dev/null || true

GO_VERSION="$(go env GOVERSION)"
log "building $KEY with $GO_VERSION (GOPROXY=$GOPROXY)"
log "target: $BIN_DIR"

SCRATCH="$CP_DIR/scratch"          # wrapper modules (kept: small, and their go.sum is reused)
mkdir -p "$SCRATCH"
# We hold the lock, so any .build-/.old- dir for this key is a leftover of an interrupted run.
rm -rf "$CP_DIR/.build-$KEY."* "$CP_DIR/.old-$KEY."*
TMP="$(mktemp -d "$CP_DIR/.build-$KEY.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$TMP"    # mktemp -d creates 0700; the published tree should be world-readable
mkdir -p "$TMP/bin"

modinfo_file() { # $1 module, $2 version, $3 JSON field (GoMod|Info) -> path of the cached file
  local out
  out="$(go mod download -json "$1@$2" 2>&1)" || true
  if grep -q '"Error"' <<<"$out" || ! grep -q "\"$3\"" <<<"$out"; then
    printf '%s\n' "$out" >&2
    die "cannot download $1@$2 from GOPROXY=$GOPROXY (does the version exist and is it in sum.golang.org?)"
  fi
  sed -n "s/^[[:space:]]*\"$3\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$out"
}

start_all=$SECONDS

# ---------------------------------------------------------------- kubernetes wrapper module
K8S_MINOR="$(cut -d. -f2 <<<"$K8S_VERSION")"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
K8S_MOD="$SCRATCH/k8s-$K8S_VERSION"
log "preparing wrapper module $K8S_MOD"
kgomod="$(modinfo_file k8s.io/kubernetes "$K8S_VERSION" GoMod)"
kinfo="$(modinfo_file k8s.io/kubernetes "$K8S_VERSION" Info)"
K8S_BUILD_DATE="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$kinfo")"
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#\1#p' "$kgomod" | sort -u)
(( ${#staging[@]} > 0 )) || die "no staging replace directives found in $kgomod"
k8s_go_line="$(awk '$1=="go"{print $2; exit}' "$kgomod")"
k8s_godebug="$(awk '$1=="godebug"{print $2; exit}' "$kgomod")"
rm -rf "$K8S_MOD.new" && mkdir -p "$K8S_MOD.new"
[[ -f "$K8S_MOD/go.sum" ]] && cp "$K8S_MOD/go.sum" "$K8S_MOD.new/go.sum"
{
  echo "module local/k8sbins"
  echo
  echo "go ${k8s_go_line:-1.24.0}"
  # mirror upstream runtime GODEBUG defaults (godebug lines of dependencies are ignored)
  [[ -n "$k8s_godebug" ]] && echo "godebug $k8s_godebug"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $STAGING_VERSION"; done
  echo ")"
} >"$K8S_MOD.new/go.mod"
cat >"$K8S_MOD.new/tools.go" <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF
rm -rf "$K8S_MOD" && mv "$K8S_MOD.new" "$K8S_MOD"
(cd "$K8S_MOD" && go mod tidy >&2) || die "go mod tidy failed in $K8S_MOD"

# ---------------------------------------------------------------- etcd wrapper module
ETCD_MOD="$SCRATCH/etcd-$ETCD_VERSION"
log "preparing wrapper module $ETCD_MOD"
rm -rf "$ETCD_MOD.new" && mkdir -p "$ETCD_MOD.new"
[[ -f "$ETCD_MOD/go.sum" ]] && cp "$ETCD_MOD/go.sum" "$ETCD_MOD.new/go.sum"
printf 'module local/etcdbin\n\ngo 1.24.0\n' >"$ETCD_MOD.new/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$ETCD_MOD.new/tools.go"
rm -rf "$ETCD_MOD" && mv "$ETCD_MOD.new" "$ETCD_MOD"
# `go get` also raises the wrapper's go line to etcd's (3.6.x needs go >= 1.26.0)
(cd "$ETCD_MOD" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 && go mod tidy >&2) \
  || die "resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION failed in $ETCD_MOD"

# ---------------------------------------------------------------- helm (no replace directives -> go install pkg@version)
hgomod="$(modinfo_file helm.sh/helm/v3 "$HELM_VERSION" GoMod)"
helm_clientgo="$(awk '$1=="k8s.io/client-go"{print $2; exit}' "$hgomod")"
[[ "$helm_clientgo" =~ ^v0\.([0-9]+)\. ]] || die "cannot find k8s.io/client-go version in $hgomod"
HELM_K8S_MINOR="${BASH_REMATCH[1]}"   # helm Makefile: major = 0+1, minor = client-go minor

# ---------------------------------------------------------------- builds
t=$SECONDS
log "building etcd $ETCD_VERSION"
(cd "$ETCD_MOD" && go build -trimpath -ldflags="-s -w" -o "$TMP/bin/etcd" go.etcd.io/etcd/server/v3 >&2) \
  || die "building etcd failed"
log "etcd built in $((SECONDS - t))s"

t=$SECONDS
log "building helm $HELM_VERSION"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done
(cd "$TMP" && GOBIN="$TMP/bin" go install -trimpath -ldflags="$helm_ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2) \
  || die "building helm failed"
log "helm built in $((SECONDS - t))s"

t=$SECONDS
log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (slow: ~10+ min on 2 cores)"
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${K8S_BUILD_DATE:-1970-01-01T00:00:00Z}"
done
(cd "$K8S_MOD" && go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$k8s_ldflags" -o "$TMP/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler >&2) \
  || die "building kubernetes $K8S_VERSION failed"
log "kubernetes binaries built in $((SECONDS - t))s"

# ---------------------------------------------------------------- verify, then publish atomically
check_version() { # $1 binary, $2 expected substring, rest: args
  local b=$1 want=$2 out; shift 2
  out="$("$TMP/bin/$b" "$@" 2>&1)" || die "$b $* failed: $out"
  grep -qF -- "$want" <<<"$out" || die "$b $* printed '$out', expected it to contain '$want'"
  log "ok: $b -> $(head -1 <<<"$out")"
}
check_version kube-apiserver "Kubernetes $K8S_VERSION" --version
check_version kube-controller-manager "Kubernetes $K8S_VERSION" --version
check_version kube-scheduler "Kubernetes $K8S_VERSION" --version
check_version etcd "etcd Version: ${ETCD_VERSION#v}" --version
check_version helm "$HELM_VERSION" version --short

{
  echo "key=$KEY"
  echo "go=$GO_VERSION"
  echo "goproxy=$GOPROXY"
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$((SECONDS - start_all))"
  echo "k8s_staging=$STAGING_VERSION"
  echo "helm_k8s_version=1.$HELM_K8S_MINOR"
} >"$TMP/build-info.txt"

if [[ -e "$KEY_DIR" ]]; then
  # incomplete leftover (or --force): move it aside first, then swap in the new tree
  old="$(mktemp -d "$CP_DIR/.old-$KEY.XXXXXX")"
  mv -T "$KEY_DIR" "$old/x"
  mv -T "$TMP" "$KEY_DIR"
  rm -rf "$old"
else
  mv -T "$TMP" "$KEY_DIR"     # rename(2): the key dir appears complete or not at all
fi
trap - EXIT
log "done in $((SECONDS - start_all))s"
echo "$BIN_DIR"
