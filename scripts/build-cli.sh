#!/usr/bin/env bash
# Bundles the drainwatch CLI (lib/, TypeScript) into dist/cli/main.mjs with esbuild, so that
# production runs plain JavaScript: no tsx loader, whose extra isolate costs ~100 MiB of RSS.
# npm packages stay external. The bundle sits two folders below the project root, like the
# sources, so paths resolved from import.meta.url (sandbox scenarios, prisma/) still hold.
# bin/drainwatch.mjs uses dist/cli/main.mjs only while it is newer than every source file.
# Code splitting keeps the CLI's lazy imports lazy (replay never loads Next.js or client-node).
# Usage: scripts/build-cli.sh [ENTRY OUTDIR]   (the bench bundles its own entry the same way)
set -euo pipefail
cd "$(dirname "$0")/.."
entry=${1:-lib/cli/main.ts}
outdir=${2:-dist/cli}
rm -rf "$outdir"
node_modules/.bin/esbuild "$entry" --bundle --splitting --platform=node --format=esm --target=node20 \
  --packages=external --outdir="$outdir" --out-extension:.js=.mjs --entry-names=[name] \
  --chunk-names=[name]-[hash] --log-level=warning
