#!/usr/bin/env bash
# Installs kustomize into .local/bin (git-ignored), built from source through the
# Go module proxy: the deployment tests render deploy/k8s/overlays/* with it.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail

# v5.7.1 is the newest release that builds with Go 1.26 (v5.8 needs Go 1.27).
VERSION="${KUSTOMIZE_VERSION:-v5.7.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.local/bin"

if [[ -x "$BIN/kustomize" ]] && [[ "$("$BIN/kustomize" version 2>/dev/null)" == "$VERSION" ]]; then
    exit 0
fi
if ! command -v go > /dev/null; then
    echo "install-kustomize: Go is needed to build kustomize $VERSION" >&2
    exit 1
fi
mkdir -p "$BIN"
echo "install-kustomize: building kustomize $VERSION into $BIN"
# GOTOOLCHAIN=local: build with the Go on the machine, never download another.
GOBIN="$BIN" GOTOOLCHAIN=local go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION"
"$BIN/kustomize" version
